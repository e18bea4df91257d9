// Keeps the pure-control taint on Karmada Cluster objects (DESIGN.md, the Cluster rule): no
// admission webhook sees Cluster writes on a current Karmada, so this lists and watches
// clusters.cluster.karmada.io/v1alpha1 and patches spec.taints of the clusters that disagree with
// the policy (policies/cluster_taint_reconcile.h). Every patch is guarded by the resourceVersion it
// was computed from, so replicas running side by side cannot undo each other.
//
// Loop: list (all pages) -> reconcile every cluster -> watch from the list's version, reconciling
// each ADDED/MODIFIED cluster. A watch the server ends is started again from the last version; a
// 410 Gone lists again at once; any failure (dropped stream, silent server, 5xx, failed patch)
// backs off (capped exponential, with jitter) and lists again.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "controllers/backoff.h"
#include "controllers/cluster_inventory.h"
#include "controllers/reconciler_metrics.h"
#include "kube/kube_client.h"
#include "policies/cluster_taint_reconcile.h"
#include "policies/policy_config.h"

namespace cell0::controllers {

inline constexpr const char* kClustersPath = "/apis/cluster.karmada.io/v1alpha1/clusters";

struct TaintReconcilerOptions {
  kube::KubeClientOptions client;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
  int max_patch_attempts = 5;
  // A healthy watch is still replaced by a full list this often.
  std::chrono::milliseconds resync_period{std::chrono::minutes(10)};
};

struct ClusterOutcome {
  std::string name;
  bool pure_control = false;
  bool had_taint = false;
  policies::TaintAction action = policies::TaintAction::None;
  bool changed = false;  // a patch was applied (never in a dry run)
  int conflicts = 0;
  std::string error;
};

struct PassResult {
  std::vector<ClusterOutcome> clusters;
  std::optional<common::Error> list_error;
  std::string resource_version;  // of the list
  bool all_hold() const;
};

// The rule in force, asked before every cluster so a reloaded policy applies to the next event;
// nullopt (no policy loaded yet) fails the reconcile, which is retried after a backoff.
using PureControlSource = std::function<std::optional<policies::PureControl>()>;

class TaintReconciler {
 public:
  TaintReconciler(kube::KubeConnection connection, policies::PureControl rule, TaintReconcilerOptions options = {},
                  ReconcilerMetrics* metrics = nullptr);
  TaintReconciler(kube::KubeConnection connection, PureControlSource rule, TaintReconcilerOptions options = {},
                  ReconcilerMetrics* metrics = nullptr);
  ~TaintReconciler();
  TaintReconciler(const TaintReconciler&) = delete;
  TaintReconciler& operator=(const TaintReconciler&) = delete;

  // One list and one reconcile of each cluster (taint-clusters). dry_run: plan only.
  PassResult run_once(bool dry_run);

  // The list/watch loop on its own thread, until stop().
  void start();
  void stop();
  // Lists and reconciles every cluster again soon (e.g. after the policy changed).
  void resync();

  const ClusterInventory& cache() const { return cache_; }
  const kube::KubeConnection& connection() const { return client_.connection(); }

 private:
  ClusterOutcome reconcile(nlohmann::json cluster, bool dry_run);
  void run();
  // False when stopping.
  bool sleep_backoff() { return stop_.sleep_for(backoff_.next()); }  // false when stopping
  void watch_until_failure(std::string resource_version);
  std::string cluster_path(const std::string& name) const;
  void count(common::Counter* family, const common::LabelValues& labels);

  kube::KubeClient client_;
  PureControlSource rule_;
  TaintReconcilerOptions options_;
  ReconcilerMetrics* metrics_;
  ClusterInventory cache_;

  std::thread thread_;
  StopSignal stop_;
  std::atomic<bool> resync_{false};
  Backoff backoff_;
};

}  // namespace cell0::controllers
