// What policies may want to know about a member cluster, read from a Karmada Cluster object:
// the taint reconciler keeps these for every Cluster it watches (webhook/cluster_cache.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::policies {

struct ClusterTaintInfo {
  std::string key;
  std::string value;
  std::string effect;
  bool operator==(const ClusterTaintInfo&) const = default;
};

struct ClusterInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<std::string> zones;  // spec.zones, else the deprecated spec.zone
  std::string region;
  std::vector<ClusterTaintInfo> taints;
  std::string resource_version;
};

ClusterInfo cluster_info_from(const nlohmann::json& cluster);

}  // namespace cell0::policies
