#include "policies/cluster_taint_reconcile.h"

#include "policies/cluster_taint.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

bool is_the_taint(const json& taint, const Taint& t) {
  return taint.is_object() && taint.value("key", json()) == t.key && taint.value("effect", json()) == t.effect;
}

}  // namespace

std::string taint_text(const Taint& taint) { return taint.key + ":" + taint.effect; }

std::string_view taint_action_name(TaintAction action) {
  switch (action) {
    case TaintAction::Add:
      return "add";
    case TaintAction::Remove:
      return "remove";
    case TaintAction::None:
      break;
  }
  return "none";
}

ClusterTaintPlan plan_cluster_taint(const json& cluster, const PureControl& config) {
  ClusterTaintPlan plan;
  plan.pure_control = is_pure_control(cluster, config);
  const json the_taint = {{"key", config.taint.key}, {"effect", config.taint.effect}};
  const json* spec = cluster.is_object() && cluster.contains("spec") ? &cluster["spec"] : nullptr;
  const json* taints = spec && spec->is_object() && spec->contains("taints") ? &(*spec)["taints"] : nullptr;
  const bool list = taints && taints->is_array();

  std::vector<std::size_t> present;
  if (list) {
    for (std::size_t i = 0; i < taints->size(); ++i) {
      if (is_the_taint((*taints)[i], config.taint)) present.push_back(i);
    }
  }
  if (plan.pure_control && present.empty()) {
    plan.action = TaintAction::Add;
    if (list) {
      plan.patch.push_back({{"op", "add"}, {"path", "/spec/taints/-"}, {"value", the_taint}});
    } else if (spec && spec->is_object()) {
      // Absent or null: "add" on an existing member replaces it.
      plan.patch.push_back({{"op", "add"}, {"path", "/spec/taints"}, {"value", json::array({the_taint})}});
    } else {
      plan.patch.push_back({{"op", "add"}, {"path", "/spec"}, {"value", {{"taints", json::array({the_taint})}}}});
    }
  } else if (!plan.pure_control && !present.empty()) {
    plan.action = TaintAction::Remove;
    // Highest index first, so earlier indexes stay valid.
    for (auto it = present.rbegin(); it != present.rend(); ++it) {
      const std::string path = "/spec/taints/" + std::to_string(*it);
      plan.patch.push_back({{"op", "test"}, {"path", path}, {"value", (*taints)[*it]}});
      plan.patch.push_back({{"op", "remove"}, {"path", path}});
    }
  }
  return plan;
}

json apply_cluster_taint_plan(const json& cluster, const ClusterTaintPlan& plan) {
  if (plan.patch.empty()) return cluster;
  return cluster.patch(plan.patch);
}

}  // namespace cell0::policies
