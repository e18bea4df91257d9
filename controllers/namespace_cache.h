// The Cell0 cluster's namespaces and the annotations the admission rules read (the zone rules'
// opt-in, `descheduler.ccos.io/include: "true"`), kept by a list and watch of v1 namespaces on the
// Cell0 kube-apiserver through the same kube client as the taint reconciler.
//
// Loop: list (all pages) -> replace the view -> watch from the list's version. A watch the server
// ends is started again from the last version; a 410 Gone lists again at once; a failed list or
// watch backs off (capped exponential, with jitter) and lists again. A healthy watch is replaced
// by a full list every resync_period. Until the first list the snapshot is null, so the rules
// fall back to namespace names rather than trusting a half-filled view; after a failure the last
// view is kept (a namespace's opt-in changes rarely; readiness reports the failure).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/metrics.h"
#include "controllers/backoff.h"
#include "kube/kube_client.h"
#include "policies/namespace_info.h"

namespace cell0::controllers {

inline constexpr const char* kNamespacesPath = "/api/v1/namespaces";

struct NamespaceCacheOptions {
  kube::KubeClientOptions client;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  double jitter = 0.2;
  std::chrono::milliseconds resync_period{std::chrono::minutes(10)};
  // Only these annotations are kept (a namespace may carry large ones, e.g. last-applied-configuration).
  std::vector<std::string> annotation_keys;
};

// cell0_namespace_cache_* metric families.
struct NamespaceCacheMetrics {
  explicit NamespaceCacheMetrics(common::MetricsRegistry& registry);

  common::Counter& lists;           // result: ok | error
  common::Counter& events;          // type: ADDED | MODIFIED | DELETED
  common::Counter& watch_restarts;  // reason: timeout | gone | failed
  common::Gauge& namespaces;
  common::Gauge& last_sync;  // unix seconds of the last successful list
};

class NamespaceCache {
 public:
  NamespaceCache(kube::KubeConnection connection, NamespaceCacheOptions options,
                 NamespaceCacheMetrics* metrics = nullptr);
  ~NamespaceCache();
  NamespaceCache(const NamespaceCache&) = delete;
  NamespaceCache& operator=(const NamespaceCache&) = delete;

  // One full list into the view; the list's resourceVersion, or the error.
  common::Result<std::string> list_once();
  // The list/watch loop on its own thread, until stop().
  void start();
  void stop();

  // The view of the moment; null until the first list succeeded.
  policies::NamespaceSnapshot shared() const;
  bool synced() const { return static_cast<bool>(shared()); }
  // The last list or watch failure since the last successful list, or empty.
  std::string last_error() const;
  const kube::KubeConnection& connection() const { return client_.connection(); }

 private:
  policies::NamespaceAnnotations kept_annotations(const nlohmann::json& ns) const;
  void publish(std::map<std::string, policies::NamespaceAnnotations> view);
  void apply(const kube::WatchEvent& event);
  void run();
  void watch_until_failure(std::string resource_version);
  bool sleep_backoff() { return stop_.sleep_for(backoff_.next()); }  // false when stopping
  void set_error(std::string error);

  kube::KubeClient client_;
  NamespaceCacheOptions options_;
  NamespaceCacheMetrics* metrics_;

  mutable std::mutex view_mutex_;
  std::map<std::string, policies::NamespaceAnnotations> view_;  // the loop's working copy
  policies::NamespaceSnapshot shared_;                          // what readers get
  std::string last_error_;

  std::thread thread_;
  StopSignal stop_;
  Backoff backoff_;
};

}  // namespace cell0::controllers
