// The admission policy in force: the --policy file (or the defaults of DESIGN.md when none is
// given), swapped atomically on reload; a broken file keeps the last good policy.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "policies/policy_config.h"
#include "webhook/reloader.h"

namespace cell0::webhook {

class PolicyStore {
 public:
  // Empty file: the default policy, loaded at once.
  explicit PolicyStore(std::filesystem::path file);

  // Reads the file; on success installs it. Fits Reloader's LoadFn.
  common::Result<LoadedSet> load();
  // nullptr until a policy has loaded.
  std::shared_ptr<const policies::Policy> current() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::shared_ptr<const policies::Policy> policy_;
};

}  // namespace cell0::webhook
