// The pure-control taint as a reconciler sees it: only the current Cluster, no old object. The
// desired state is "the policy's taint is in spec.taints exactly when the cluster is marked", so a
// cluster that was un-marked (or never marked but carrying the taint) loses it. Taints with another
// key or effect are never touched. Shared by `serve`'s reconciler and `taint-clusters`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "policies/policy_config.h"

namespace cell0::policies {

enum class TaintAction { None, Add, Remove };

struct ClusterTaintPlan {
  bool pure_control = false;
  TaintAction action = TaintAction::None;
  // RFC 6902 operations that make the change (empty for None). Removals are preceded by a `test`
  // of the element they remove; callers add their own guard on metadata.resourceVersion.
  nlohmann::json patch = nlohmann::json::array();
};

ClusterTaintPlan plan_cluster_taint(const nlohmann::json& cluster, const PureControl& config);

// The cluster with the plan applied (what the patch produces), for dry runs and tests.
nlohmann::json apply_cluster_taint_plan(const nlohmann::json& cluster, const ClusterTaintPlan& plan);

std::string_view taint_action_name(TaintAction action);
std::string taint_text(const Taint& taint);

}  // namespace cell0::policies
