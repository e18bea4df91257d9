// What Karmada's scheduler will really do with a user-set anydoor placement it would ignore or
// reject (reference karmada-scheduling.md §1, §3): static weights with spread constraints, a
// spread constraint without maxGroups, a zone/provider constraint, Aggregated for HA gateways,
// clusterNames that leave fewer candidates than HA needs. One sentence per finding; no finding
// for the placements the anydoor rule writes itself.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::policies {

struct ReplicaMode {
  bool duplicated = false;      // replicaSchedulingType Duplicated
  bool aggregated = false;      // Divided + Aggregated
  bool dynamic = false;         // Divided + Weighted + dynamicWeight
  bool static_weights = false;  // Divided + Weighted (or no preference: Karmada defaults it) without dynamicWeight
};

// As the scheduler reads spec.placement.replicaScheduling after Karmada's defaulting; an absent
// replicaScheduling is Duplicated, an absent replicaSchedulingType Divided (the CRD default).
ReplicaMode replica_mode(const nlohmann::json& placement);
// Spread constraints are ignored when the replicas are split by static weights
// (sc/select_clusters.go:57-69).
bool spread_ignored(const ReplicaMode& mode);

// `ha`: the divided gateway scenarios, which need replicas in >= min_clusters clusters.
std::vector<std::string> placement_advice(const nlohmann::json& placement, bool ha, int min_clusters);

}  // namespace cell0::policies
