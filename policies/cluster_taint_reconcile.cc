#include "policies/cluster_taint_reconcile.h"

#include <optional>

namespace cell0::policies {

using nlohmann::json;

std::string_view taint_action_name(TaintAction action) {
  switch (action) {
    case TaintAction::Add:
      return "add";
    case TaintAction::Replace:
      return "replace";
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
  const json the_taint = canonical_taint(config.taint);
  const json* spec = cluster.is_object() && cluster.contains("spec") ? &cluster["spec"] : nullptr;
  const json* taints = spec && spec->is_object() && spec->contains("taints") ? &(*spec)["taints"] : nullptr;
  const bool list = taints && taints->is_array();

  std::vector<std::size_t> reserved;
  std::optional<std::size_t> canonical;  // the first canonical element, kept
  if (list) {
    for (std::size_t i = 0; i < taints->size(); ++i) {
      if (!has_reserved_key((*taints)[i], config.taint)) continue;
      reserved.push_back(i);
      if (!canonical && is_canonical_taint((*taints)[i], config.taint)) canonical = i;
    }
  }
  // Highest index first, so earlier indexes stay valid; each removal tests the element it removes.
  auto remove_all_but = [&](std::optional<std::size_t> keep) {
    for (auto it = reserved.rbegin(); it != reserved.rend(); ++it) {
      if (keep && *it == *keep) continue;
      const std::string path = "/spec/taints/" + std::to_string(*it);
      plan.patch.push_back({{"op", "test"}, {"path", path}, {"value", (*taints)[*it]}});
      plan.patch.push_back({{"op", "remove"}, {"path", path}});
    }
  };
  if (plan.pure_control && reserved.empty()) {
    plan.action = TaintAction::Add;
    if (list) {
      plan.patch.push_back({{"op", "add"}, {"path", "/spec/taints/-"}, {"value", the_taint}});
    } else if (spec && spec->is_object()) {
      // Absent or null: "add" on an existing member replaces it.
      plan.patch.push_back({{"op", "add"}, {"path", "/spec/taints"}, {"value", json::array({the_taint})}});
    } else {
      plan.patch.push_back({{"op", "add"}, {"path", "/spec"}, {"value", {{"taints", json::array({the_taint})}}}});
    }
  } else if (plan.pure_control && !(reserved.size() == 1 && canonical)) {
    plan.action = TaintAction::Replace;
    remove_all_but(canonical);
    // Every removed index is >= the first reserved one, so that position still exists.
    if (!canonical) {
      plan.patch.push_back(
          {{"op", "add"}, {"path", "/spec/taints/" + std::to_string(reserved.front())}, {"value", the_taint}});
    }
  } else if (!plan.pure_control && !reserved.empty()) {
    plan.action = TaintAction::Remove;
    remove_all_but(std::nullopt);
  }
  return plan;
}

json apply_cluster_taint_plan_for_test(const json& cluster, const ClusterTaintPlan& plan) {
  if (plan.patch.empty()) return cluster;
  return cluster.patch(plan.patch);
}

}  // namespace cell0::policies
