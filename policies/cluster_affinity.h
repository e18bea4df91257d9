// Karmada's util.ClusterMatches: whether a member cluster satisfies one ClusterAffinity of a
// placement (clusterNames, exclude, labelSelector, fieldSelector; all must hold). The scheduler's
// ClusterAffinity filter runs it for every cluster (reference/karmada-scheduling.md §3).
#pragma once

#include <nlohmann/json.hpp>

#include "policies/cluster_info.h"

namespace cell0::policies {

// affinity: a ClusterAffinity (or a clusterAffinities term) as JSON; null or not an object
// restricts nothing.
// - exclude: a listed name never matches; clusterNames: when non-empty, only listed names match.
// - labelSelector: apimachinery's LabelSelectorAsSelector over metadata.labels ({} matches every
//   cluster; matchLabels and matchExpressions ANDed; NotIn / DoesNotExist match a cluster without
//   the key). A selector apimachinery refuses (unknown operator, In without values, Exists with
//   values, a bad key or value) matches no cluster, as Karmada ignores the error and says no.
// - fieldSelector: `zone` against spec.zones (In: every zone of the cluster is listed and it has
//   one; NotIn: none is listed; Exists / DoesNotExist: has zones or not; other operators: no);
//   `provider` and `region` as labels of spec.provider / spec.region (absent when empty), with
//   NodeSelectorRequirement operators (In, NotIn, Exists, DoesNotExist, Gt, Lt). Empty
//   matchExpressions restrict nothing.
bool cluster_matches_affinity(const ClusterInfo& cluster, const nlohmann::json& affinity);

}  // namespace cell0::policies
