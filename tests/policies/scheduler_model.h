// Test-side model of the part of Karmada's scheduler that decides where an anydoor policy's
// replicas land, written from ../shared/reference/karmada-scheduling.md (not from our rules):
//   §1  karmada-webhook's defaulting (spread field/minGroups, Divided -> Weighted)
//   §3  clusterAffinity AND-semantics, clusterAffinities first-term-wins, the TaintToleration
//       filter (NoSchedule/NoExecute, ToleratesTaint of §6), the spread filter's empty-field rule,
//       cluster/region selection with min/maxGroups, when constraints are ignored, and Duplicated /
//       static-weight / dynamic-weight / Aggregated division (Webster apportionment)
// Ties in the Webster method (Karmada breaks them from the workload's UID) are broken by name here;
// goldens avoid relying on them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::testing {

struct ModelCluster {
  nlohmann::json object;      // a Karmada Cluster
  long long available = 100;  // the estimator's available replicas
};

struct Scheduled {
  std::string error;                          // non-empty: scheduling failed (Karmada's message)
  std::map<std::string, long long> replicas;  // cluster -> replicas, clusters with 0 dropped
};

Scheduled schedule(const nlohmann::json& placement, const std::vector<ModelCluster>& clusters, long long replicas);
// The clusters that pass the filters (affinity of clusterAffinity or of any clusterAffinities term,
// taints, spread filter), before selection and division.
std::vector<std::string> feasible_clusters(const nlohmann::json& placement, const std::vector<ModelCluster>& clusters);

// Kubernetes Toleration.ToleratesTaint, as the model's TaintToleration filter uses it.
bool model_tolerates(const nlohmann::json& toleration, const nlohmann::json& taint);

}  // namespace cell0::testing
