// Keeps the customizations (or the admission policy) current: polls the files' names, sizes and
// mtimes in a background thread (common::FilePoller) and reloads when they changed and then held
// still for one poll (so a half-written file is not loaded). Loading happens off the request
// path; a broken set leaves the last good one in place and is reported in the log, in metrics
// and on /readyz.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/file_poller.h"
#include "webhook/server.h"
#include "webhook/webhook_metrics.h"

namespace cell0::webhook {

// What a successful load installed, for the log and the gauges.
struct LoadedSet {
  std::size_t customizations = 0;
  std::size_t files = 0;
};

// Loads the paths and, on success, installs the result (e.g. Engine::set_registry).
using LoadFn = std::function<common::Result<LoadedSet>(const std::vector<std::filesystem::path>&)>;

struct ReloadStatus {
  bool ready = false;  // a set has been loaded at least once
  std::size_t customizations = 0;
  std::string last_error;  // of the latest attempt; empty when it succeeded
  std::chrono::system_clock::time_point last_success{};
  std::uint64_t attempts = 0;
};

class Reloader {
 public:
  // subject names what is loaded in the log ("customizations", "admission policy").
  Reloader(std::vector<std::filesystem::path> paths, LoadFn load, ReloadMetrics metrics,
           std::chrono::milliseconds interval = std::chrono::seconds(1), std::string subject = "customizations");
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Loads now, on the caller's thread. True on success.
  bool load_now();
  void start();
  void stop();

  ReloadStatus status() const;
  Readiness readiness() const;

 private:
  std::vector<std::filesystem::path> paths_;
  LoadFn load_;
  ReloadMetrics metrics_;
  std::string subject_;

  mutable std::mutex mutex_;
  ReloadStatus status_;

  common::FilePoller poller_;  // last: its thread calls into the members above
};

}  // namespace cell0::webhook
