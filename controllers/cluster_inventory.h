// The Clusters the taint reconciler last saw, for readers on other threads (policies that need
// zones or labels of member clusters). Filled by a full list, then kept by watch events.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "policies/cluster_info.h"

namespace cell0::controllers {

class ClusterInventory {
 public:
  void replace(std::vector<policies::ClusterInfo> clusters);
  void upsert(policies::ClusterInfo cluster);
  void remove(const std::string& name);

  std::optional<policies::ClusterInfo> find(const std::string& name) const;
  std::vector<policies::ClusterInfo> snapshot() const;  // by name
  // The same, shared: rebuilt after a change, otherwise the one built last. Null until synced(),
  // so a rule never mistakes a half-filled inventory for the real set of clusters.
  policies::ClusterSnapshot shared() const;
  std::size_t size() const;
  // False until the first full list has been stored.
  bool synced() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, policies::ClusterInfo> clusters_;
  bool synced_ = false;
  mutable policies::ClusterSnapshot shared_;  // null after every change
};

}  // namespace cell0::controllers
