// The pure-control taint as a reconciler sees it: only the current Cluster, no old object. The
// desired state is "a marked cluster carries exactly one taint with the reserved key, the
// canonical one (key, value, effect); an unmarked one none", so variants such as
// `pure-control-cluster=true:NoSchedule` are replaced and a cluster that was un-marked loses every
// taint with the key. Taints with another key are never touched. Shared by `serve`'s reconciler
// and `taint-clusters`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "policies/cluster_taint.h"
#include "policies/policy_config.h"

namespace cell0::policies {

enum class TaintAction { None, Add, Replace, Remove };

struct ClusterTaintPlan {
  bool pure_control = false;
  TaintAction action = TaintAction::None;
  // RFC 6902 operations that make the change (empty for None). Removals are preceded by a `test`
  // of the element they remove; callers add their own guard on metadata.resourceVersion.
  nlohmann::json patch = nlohmann::json::array();
};

ClusterTaintPlan plan_cluster_taint(const nlohmann::json& cluster, const PureControl& config);

// The cluster with the plan applied (what the patch produces); only tests call it.
nlohmann::json apply_cluster_taint_plan_for_test(const nlohmann::json& cluster, const ClusterTaintPlan& plan);

std::string_view taint_action_name(TaintAction action);

}  // namespace cell0::policies
