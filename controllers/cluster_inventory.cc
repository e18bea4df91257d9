#include "controllers/cluster_inventory.h"

namespace cell0::controllers {

void ClusterInventory::replace(std::vector<policies::ClusterInfo> clusters) {
  std::map<std::string, policies::ClusterInfo> fresh;
  for (auto& c : clusters) fresh[c.name] = std::move(c);
  std::lock_guard lock(mutex_);
  clusters_ = std::move(fresh);
  synced_ = true;
  shared_.reset();
}

void ClusterInventory::upsert(policies::ClusterInfo cluster) {
  std::lock_guard lock(mutex_);
  clusters_[cluster.name] = std::move(cluster);
  shared_.reset();
}

void ClusterInventory::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (clusters_.erase(name) > 0) shared_.reset();
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

policies::ClusterSnapshot ClusterInventory::shared() const {
  std::lock_guard lock(mutex_);
  if (!synced_) return nullptr;
  if (!shared_) {
    auto all = std::make_shared<std::vector<policies::ClusterInfo>>();
    all->reserve(clusters_.size());
    for (const auto& [name, info] : clusters_) all->push_back(info);
    shared_ = std::move(all);
  }
  return shared_;
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
