#include "policies/cluster_taint.h"

#include <algorithm>
#include <set>

#include "policies/label_syntax.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

std::vector<std::size_t> reserved_indexes(const json& cluster, const Taint& t) {
  std::vector<std::size_t> found;
  const json* taints = find_path(cluster, {"spec", "taints"});
  if (!taints || !taints->is_array()) return found;
  for (std::size_t i = 0; i < taints->size(); ++i) {
    if (has_reserved_key((*taints)[i], t)) found.push_back(i);
  }
  return found;
}

bool holds_canonical(const json& cluster, const Taint& t) {
  const json* taints = find_path(cluster, {"spec", "taints"});
  return taints && taints->is_array() &&
         std::any_of(taints->begin(), taints->end(), [&](const json& x) { return is_canonical_taint(x, t); });
}

std::string element_text(const json& x) {
  const std::string value = x.value("value", json("")).is_string() ? x.value("value", "") : "";
  const std::string effect = x.value("effect", json("")).is_string() ? x.value("effect", "") : "";
  return x.value("key", json("")).get<std::string>() + (value.empty() ? "" : "=" + value) + ":" + effect;
}

}  // namespace

bool has_reserved_key(const json& taint, const Taint& t) {
  return taint.is_object() && taint.value("key", json()) == t.key;
}

bool is_canonical_taint(const json& taint, const Taint& t) {
  if (!has_reserved_key(taint, t) || taint.value("effect", json()) != t.effect) return false;
  const json value = taint.value("value", json(""));
  return value.is_null() ? t.value.empty() : value == t.value;
}

json canonical_taint(const Taint& t) {
  json taint = {{"key", t.key}, {"effect", t.effect}};
  if (!t.value.empty()) taint["value"] = t.value;
  return taint;
}

std::string taint_text(const Taint& t) { return t.key + (t.value.empty() ? "" : "=" + t.value) + ":" + t.effect; }

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
  const std::vector<std::size_t> reserved = reserved_indexes(cluster, taint);
  const bool update = ctx.operation == Operation::Update && ctx.old_object.is_object();
  const bool was_marked = update && is_pure_control(ctx.old_object, pc);
  const bool was_tainted = update && holds_canonical(ctx.old_object, taint);
  const std::string who = describe(cluster, "Cluster", "");

  if (marked && reserved.empty()) {
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
    taints.push_back(canonical_taint(taint));
    out.required.push_back(who + " is pure-control and must carry the taint " + taint_text(taint));
    out.note(kClusterTaintRule, "added " + taint_text(taint));
    return;
  }
  if (marked) {
    json& taints = cluster["spec"]["taints"];
    if (reserved.size() == 1 && is_canonical_taint(taints[reserved[0]], taint)) return;
    // One canonical taint where the first reserved one was; an existing canonical element is kept
    // as it is (it may carry timeAdded).
    std::vector<std::string> replaced;
    json kept = json::array();
    bool placed = false;
    for (const json& x : taints) {
      if (!has_reserved_key(x, taint)) {
        kept.push_back(x);
        continue;
      }
      if (!placed) {
        const auto canonical =
            std::find_if(taints.begin(), taints.end(), [&](const json& y) { return is_canonical_taint(y, taint); });
        kept.push_back(canonical != taints.end() ? *canonical : canonical_taint(taint));
        placed = true;
      }
      if (!is_canonical_taint(x, taint)) replaced.push_back(element_text(x));
    }
    taints = std::move(kept);
    out.required.push_back(who + " must carry exactly one taint with the reserved key " + taint.key + ": " +
                           taint_text(taint));
    if (!replaced.empty()) {
      out.change_warnings.push_back(who + ": replaced the taint(s) " + join(replaced, ", ") + " with " +
                                    taint_text(taint) + " (the key " + taint.key + " is reserved)");
    }
    out.note(kClusterTaintRule, replaced.empty() ? "removed duplicate " + taint_text(taint)
                                                 : "replaced " + join(replaced, ", ") + " with " + taint_text(taint));
    return;
  }
  // The taint key belongs to this rule: an unmarked cluster never keeps it (as the reconciler does).
  if (!reserved.empty()) {
    json& taints = cluster["spec"]["taints"];
    std::vector<std::string> removed;
    for (const json& x : taints) {
      if (has_reserved_key(x, taint)) removed.push_back(element_text(x));
    }
    taints.erase(
        std::remove_if(taints.begin(), taints.end(), [&](const json& x) { return has_reserved_key(x, taint); }),
        taints.end());
    out.change_warnings.push_back(who + " is no longer pure-control: removed its taint " + join(removed, ", "));
    out.note(kClusterTaintRule, "removed " + join(removed, ", "));
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
      errors.push_back(path + ": Duplicate value: taints must be unique by key and effect pair (" + key + ":" + effect +
                       ")");
    }
  }
  return errors;
}

}  // namespace cell0::policies
