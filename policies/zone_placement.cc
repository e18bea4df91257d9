#include "policies/zone_placement.h"

#include <algorithm>
#include <map>

#include "policies/cluster_affinity.h"
#include "policies/toleration_match.h"

namespace cell0::policies {

using nlohmann::json;

bool cluster_eligible(const json& placement, const ClusterInfo& cluster) {
  if (!cluster.ready) return false;
  const json none;
  const json& affinity =
      placement.is_object() && placement.contains("clusterAffinity") ? placement["clusterAffinity"] : none;
  if (!cluster_matches_affinity(cluster, affinity)) return false;
  const json& tolerations =
      placement.is_object() && placement.contains("clusterTolerations") ? placement["clusterTolerations"] : none;
  return first_untolerated_taint(cluster.taints, tolerations) == nullptr;
}

ZoneChoice one_cluster_per_zone(const json& placement, const std::vector<ClusterInfo>& clusters) {
  std::map<std::string, std::string> by_zone;  // zone -> first eligible cluster by name
  for (const ClusterInfo& c : clusters) {
    if (c.zones.empty() || !cluster_eligible(placement, c)) continue;
    auto [it, inserted] = by_zone.emplace(c.zones.front(), c.name);
    if (!inserted && c.name < it->second) it->second = c.name;
  }
  ZoneChoice choice;
  for (const auto& [zone, name] : by_zone) {
    choice.zones.push_back(zone);
    choice.clusters.push_back(name);
  }
  std::sort(choice.clusters.begin(), choice.clusters.end());
  // A cluster spanning several zones could be the first of two: it stands for one zone only.
  choice.clusters.erase(std::unique(choice.clusters.begin(), choice.clusters.end()), choice.clusters.end());
  return choice;
}

void write_zone_placement(json& placement, const ZoneChoice& choice) {
  json& affinity = placement["clusterAffinity"];
  if (!affinity.is_object()) affinity = json::object();
  affinity["clusterNames"] = choice.clusters;
  placement.erase("spreadConstraints");
  placement["replicaScheduling"] = {
      {"replicaSchedulingType", "Divided"},
      {"replicaDivisionPreference", "Weighted"},
      {"weightPreference",
       {{"staticWeightList", json::array({{{"targetCluster", {{"clusterNames", choice.clusters}}}, {"weight", 1}}})}}}};
}

}  // namespace cell0::policies
