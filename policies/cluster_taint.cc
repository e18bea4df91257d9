#include "policies/cluster_taint.h"

#include <algorithm>
#include <set>

#include "policies/label_syntax.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

bool is_the_taint(const json& taint, const Taint& t) {
  return taint.is_object() && taint.value("key", json()) == t.key && taint.value("effect", json()) == t.effect;
}

std::size_t count_taints(const json& cluster, const Taint& t) {
  const json* taints = find_path(cluster, {"spec", "taints"});
  if (!taints || !taints->is_array()) return 0;
  return static_cast<std::size_t>(
      std::count_if(taints->begin(), taints->end(), [&](const json& x) { return is_the_taint(x, t); }));
}

std::string taint_text(const Taint& t) { return t.key + ":" + t.effect; }

}  // namespace

bool is_pure_control(const json& cluster, const PureControl& config) {
  if (label(cluster, config.cluster_label) == "true") return true;
  const std::string name = string_at(cluster, {"metadata", "name"});
  return !name.empty() &&
         std::find(config.cluster_names.begin(), config.cluster_names.end(), name) != config.cluster_names.end();
}

void apply_cluster_taint_rule(json& cluster, const RuleContext& ctx, RuleOutcome& out) {
  const PureControl& pc = ctx.policy.pure_control;
  const Taint& taint = pc.taint;
  const bool marked = is_pure_control(cluster, pc);
  const std::size_t present = count_taints(cluster, taint);
  const bool update = ctx.operation == Operation::Update && ctx.old_object.is_object();
  const bool was_marked = update && is_pure_control(ctx.old_object, pc);
  const bool was_tainted = update && count_taints(ctx.old_object, taint) > 0;
  const std::string who = describe(cluster, "Cluster", "");

  if (marked && present == 0) {
    if (was_marked && was_tainted) {
      // Removing the taint by hand would open the cluster to tenant workloads: refuse rather than
      // silently put it back, so the user learns to un-mark the cluster instead.
      if (ctx.stage == Stage::Validate) {
        out.deny(who + " is pure-control: its taint " + taint_text(taint) +
                 " cannot be removed while it is marked (remove the label " + pc.cluster_label +
                 (pc.cluster_names.empty() ? "" : " or its entry in pureControl.clusterNames") + " first)");
        out.note(kClusterTaintRule, "denied removal of the taint");
      }
      return;
    }
    json& spec = ensure_object(cluster, {"spec"});
    json& taints = spec["taints"];
    if (!taints.is_array()) taints = json::array();
    taints.push_back({{"key", taint.key}, {"effect", taint.effect}});
    out.required.push_back(who + " is pure-control and must carry the taint " + taint_text(taint));
    out.note(kClusterTaintRule, "added " + taint_text(taint));
    return;
  }
  if (marked && present > 1) {
    json& taints = cluster["spec"]["taints"];
    bool first = true;
    json kept = json::array();
    for (auto& x : taints) {
      if (is_the_taint(x, taint)) {
        if (!first) continue;
        first = false;
      }
      kept.push_back(std::move(x));
    }
    taints = std::move(kept);
    out.required.push_back(who + " must carry the taint " + taint_text(taint) + " exactly once");
    out.note(kClusterTaintRule, "removed duplicate " + taint_text(taint));
    return;
  }
  // The taint key belongs to this rule: an unmarked cluster never keeps it (as the reconciler does).
  if (!marked && present > 0) {
    json& taints = cluster["spec"]["taints"];
    taints.erase(std::remove_if(taints.begin(), taints.end(), [&](const json& x) { return is_the_taint(x, taint); }),
                 taints.end());
    out.change_warnings.push_back(who + " is no longer pure-control: removed its taint " + taint_text(taint));
    out.note(kClusterTaintRule, "removed " + taint_text(taint));
  }
}

std::vector<std::string> validate_cluster_taints(const json& cluster) {
  std::vector<std::string> errors;
  const json* taints = find_path(cluster, {"spec", "taints"});
  if (!taints || taints->is_null()) return errors;
  if (!taints->is_array()) return {"spec.taints: must be a list"};
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < taints->size(); ++i) {
    const json& t = (*taints)[i];
    const std::string path = "spec.taints[" + std::to_string(i) + "]";
    if (!t.is_object()) {
      errors.push_back(path + ": must be an object");
      continue;
    }
    const std::string key = t.value("key", json("")).is_string() ? t.value("key", "") : "";
    const std::string effect = t.value("effect", json("")).is_string() ? t.value("effect", "") : "";
    if (!is_qualified_name(key)) errors.push_back(path + ".key: Invalid value: \"" + key + "\": not a valid label key");
    if (t.contains("value") && (!t["value"].is_string() || !is_label_value(t["value"].get<std::string>()))) {
      errors.push_back(path + ".value: Invalid value: not a valid label value");
    }
    if (effect != "NoSchedule" && effect != "NoExecute") {
      errors.push_back(path + ".effect: Unsupported value: \"" + effect +
                       "\": supported values: \"NoSchedule\", \"NoExecute\"");
    }
    if (!seen.insert({key, effect}).second) {
      errors.push_back(path + ": Duplicate value: taints must be unique by key and effect pair (" + key + ":" +
                       effect + ")");
    }
  }
  return errors;
}

}  // namespace cell0::policies
