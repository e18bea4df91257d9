#include "controllers/cluster_inventory.h"

namespace cell0::controllers {

void ClusterInventory::replace(std::vector<policies::ClusterInfo> clusters) {
  std::map<std::string, policies::ClusterInfo> fresh;
  for (auto& c : clusters) fresh[c.name] = std::move(c);
  std::lock_guard lock(mutex_);
  clusters_ = std::move(fresh);
  synced_ = true;
}

void ClusterInventory::upsert(policies::ClusterInfo cluster) {
  std::lock_guard lock(mutex_);
  clusters_[cluster.name] = std::move(cluster);
}

void ClusterInventory::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  clusters_.erase(name);
}

std::optional<policies::ClusterInfo> ClusterInventory::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = clusters_.find(name);
  if (it == clusters_.end()) return std::nullopt;
  return it->second;
}

std::vector<policies::ClusterInfo> ClusterInventory::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<policies::ClusterInfo> out;
  out.reserve(clusters_.size());
  for (const auto& [name, info] : clusters_) out.push_back(info);
  return out;
}

std::size_t ClusterInventory::size() const {
  std::lock_guard lock(mutex_);
  return clusters_.size();
}

bool ClusterInventory::synced() const {
  std::lock_guard lock(mutex_);
  return synced_;
}

}  // namespace cell0::controllers
