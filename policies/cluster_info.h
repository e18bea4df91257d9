// What policies may want to know about a member cluster, read from a Karmada Cluster object:
// the taint reconciler keeps these for every Cluster it watches (controllers/cluster_inventory.h).
#pragma once

#include <map>
#include <memory>
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
  std::string provider;  // spec.provider (Karmada's fieldSelector and spread filter read it)
  std::vector<ClusterTaintInfo> taints;
  std::string resource_version;
  bool ready = false;  // status.conditions has Ready=True (absent or Unknown: not ready)
};

ClusterInfo cluster_info_from(const nlohmann::json& cluster);

// An immutable view of every member cluster, by name, shared by the readers of one moment (the
// admission rules of a request, a reconcile pass). Null: no inventory (no kubeconfig, `review`
// without --clusters); rules that need one then fall back and say so in a warning.
using ClusterSnapshot = std::shared_ptr<const std::vector<ClusterInfo>>;

}  // namespace cell0::policies
