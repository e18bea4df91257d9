// The ResourceBinding majority gate (DESIGN.md "ResourceBinding majority gate", seed 002).
//
// Karmada's scheduler writes each result as a patch of a binding's spec.clusters through
// karmada-apiserver (reference/karmada-scheduling.md §5), so /validate sees it as an UPDATE of
// resourcebindings / clusterresourcebindings. For a workload kind of majority.kinds:
// - candidates: inventory clusters the scheduler could pick for the binding's spec.placement:
//   its cluster affinity (cluster_affinity.h; for clusterAffinities the term that produced the
//   result, below), its clusterTolerations against NoSchedule/NoExecute taints (skipped for
//   clusters already in the stored spec.clusters, as Karmada's TaintToleration filter does), and
//   the spread filter (a spreadByField provider/region/zone constraint drops clusters without
//   that field);
// - hosting: clusters of the new spec.clusters with >= 1 replica (`replicas`, or the sum of
//   `components[].replicas`). A binding whose resource reports no replicas (spec.replicas and
//   every spec.components[].replicas 0 or absent) is propagated whole to every listed cluster
//   with no count (Karmada's assignReplicas for non-workloads), so then every listed cluster hosts.
// 2 x |hosting| < |candidates| is refused (Reject, 403) or admitted with a warning (Warn).
// Always allowed: other operations, an emptied spec.clusters, and a change that adds no cluster
// (evictions, failover, the scheduler's own clean-up); with no inventory: allowed with a warning.
//
// clusterAffinities: the scheduler tries the terms in order from the one named by
// status.schedulerObservingAffinityName (else the first) and writes the first that schedules; the
// gate takes, from that term on, the first whose affinity every new inventory cluster matches
// (else that starting term).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/admission_chain.h"

namespace cell0::policies {

inline constexpr const char* kMajorityRule = "majority-gate";

// request.kind (else the object's apiVersion) is work.karmada.io ResourceBinding or
// ClusterResourceBinding, any version.
bool is_resource_binding(const AdmissionInput& input);

struct MajorityCount {
  std::vector<std::string> candidates;  // sorted by name
  std::vector<std::string> hosting;     // sorted by name
};

// binding: the object as written; old_binding: as stored (its spec.clusters pass the taint filter).
MajorityCount count_majority(const nlohmann::json& binding, const nlohmann::json& old_binding,
                             const std::vector<ClusterInfo>& clusters);

// The gate on the validating pass; Decision.majority_gate is set whenever the binding's
// resource is one of majority.kinds (and never for a subresource, which the chain skips).
Decision judge_binding(const AdmissionInput& input, const Policy& policy);

}  // namespace cell0::policies
