#include "webhook/admission_policy_store.h"

namespace cell0::webhook {

PolicyStore::PolicyStore(std::filesystem::path file) : file_(std::move(file)) {
  if (file_.empty()) policy_ = std::make_shared<const policies::Policy>();
}

common::Result<LoadedSet> PolicyStore::load() {
  if (file_.empty()) return LoadedSet{};
  common::Result<policies::Policy> loaded = policies::load_policy_file(file_);
  if (!loaded) return loaded.error();
  auto next = std::make_shared<const policies::Policy>(std::move(*loaded));
  std::lock_guard lock(mutex_);
  policy_ = std::move(next);
  return LoadedSet{0, 1};
}

std::shared_ptr<const policies::Policy> PolicyStore::current() const {
  std::lock_guard lock(mutex_);
  return policy_;
}

}  // namespace cell0::webhook
