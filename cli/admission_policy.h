// The admission policy `serve` enforces: the --policy file (or the built-in policy), reloaded on
// change with the last good one kept, its reloads counted in cell0_policy_reloads_total and
// cell0_policy_reload_failures_total.
#pragma once

#include <functional>
#include <mutex>

#include "common/metrics.h"
#include "webhook/admission_endpoint.h"
#include "webhook/admission_policy_store.h"
#include "webhook/reloader.h"

namespace cell0::cli {

struct ServeConfig;

class AdmissionPolicy {
 public:
  // Loads the --policy file now; a broken one leaves /readyz at 503 until a good one appears.
  AdmissionPolicy(const ServeConfig& config, common::MetricsRegistry& registry);

  // The policy in force (null until one has loaded), for the admission endpoints and controllers.
  webhook::PolicySource source() const;
  // Runs after every good reload, on the reloader's thread, until replaced; empty: nothing runs.
  // Returns once a call in progress has ended.
  void on_reload(std::function<void()> listener);
  // Watches the --policy file (nothing to watch without one).
  void start();
  void stop();
  // The policy's part of /readyz: which file, its last error; not ready without a policy.
  void add_readiness(webhook::Readiness& readiness) const;

 private:
  common::Result<webhook::LoadedSet> load();

  webhook::PolicyStore store_;
  std::mutex listener_mutex_;
  std::function<void()> listener_;
  webhook::Reloader reloader_;  // last: its thread calls load()
};

}  // namespace cell0::cli
