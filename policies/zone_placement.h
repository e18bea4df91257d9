// Zones through the cluster inventory (DESIGN.md "Zones, with a cluster inventory"): Karmada has
// no zone spread (reference karmada-scheduling.md §3, §4), so the divided anydoor scenarios are
// restricted to at most one eligible cluster per zone and given equal static weights over exactly
// that set: with replicas >= |set| every cluster of the set, hence every zone, gets a replica.
// Eligible: matches the placement's clusterAffinity as Karmada's ClusterAffinity filter does
// (cluster_affinity.h), no NoSchedule/NoExecute taint its clusterTolerations do not tolerate
// (toleration_match.h), Ready. A cluster's zone is the first of its spec.zones; within a zone the first by name wins.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/cluster_info.h"

namespace cell0::policies {

inline constexpr const char* kManagedPlacementAnnotation = "anydoor.ccos.io/managed-placement";

struct ZoneChoice {
  std::vector<std::string> clusters;  // sorted by name
  std::vector<std::string> zones;     // the zones they stand for, sorted
};

bool cluster_eligible(const nlohmann::json& placement, const ClusterInfo& cluster);
ZoneChoice one_cluster_per_zone(const nlohmann::json& placement, const std::vector<ClusterInfo>& clusters);

// What a managed placement holds for a choice: clusterAffinity.clusterNames = the set, no spread
// constraint, Divided / Weighted with one static weight rule over the set.
void write_zone_placement(nlohmann::json& placement, const ZoneChoice& choice);

}  // namespace cell0::policies
