// Kubernetes' Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go), the check Karmada's
// scheduler runs for cluster taints (reference/karmada-scheduling.md §6), on tolerations held as
// JSON (a placement's clusterTolerations) against the taints of the cluster inventory.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "policies/cluster_info.h"

namespace cell0::policies {

// An empty effect matches every effect, an empty key every key; operator "" or Equal compares
// values (so a key-less Equal with no value tolerates every value-less taint, as upstream does),
// Exists ignores the value; any other operator (Lt, Gt, unknown) tolerates nothing.
bool toleration_tolerates_taint(const nlohmann::json& toleration, const ClusterTaintInfo& taint);

// Karmada's TaintToleration filter: the first NoSchedule or NoExecute taint that no toleration of
// the list tolerates, or nullptr (PreferNoSchedule and other effects never keep a cluster out).
const ClusterTaintInfo* first_untolerated_taint(const std::vector<ClusterTaintInfo>& taints,
                                                const nlohmann::json& tolerations);

}  // namespace cell0::policies
