// Keeps the zone placement of the anydoor policies the webhook manages (annotation
// anydoor.ccos.io/managed-placement, DESIGN.md "Zones, with a cluster inventory"): when the
// Clusters change (a cluster joins, leaves, changes zone, becomes NotReady or tainted), the set
// "one eligible cluster per zone" changes, and only a controller can rewrite policies that nobody
// writes. It opens no Cluster watch of its own: it reads the inventory the taint reconciler keeps
// from its watch (the same one the webhook reads), and runs a pass when that inventory changes in a
// way placements can see (labels, zones, taints, readiness; not a mere resourceVersion bump),
// every resync period, and again after a backoff when a pass failed.
//
// A pass lists every PropagationPolicy and ClusterPropagationPolicy, and for each managed one
// patches what /mutate would write now (policies/managed_placement.h), guarded by the
// resourceVersion it was computed from; a 409/422 reads the policy again and re-plans. Policy
// writes themselves need no watch: they pass the webhook, which applies the same rule.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/metrics.h"
#include "controllers/backoff.h"
#include "controllers/taint_reconciler.h"
#include "kube/kube_client.h"
#include "policies/cluster_info.h"
#include "policies/policy_config.h"

namespace cell0::controllers {

inline constexpr const char* kPropagationPoliciesPath = "/apis/policy.karmada.io/v1alpha1/propagationpolicies";
inline constexpr const char* kClusterPropagationPoliciesPath =
    "/apis/policy.karmada.io/v1alpha1/clusterpropagationpolicies";

// cell0_placement_reconciler_*: the same families as the taint reconciler's.
struct PlacementMetrics {
  explicit PlacementMetrics(common::MetricsRegistry& registry);
  common::Counter& reconciles;  // result: unchanged | patched | unmanaged | error
  common::Counter& patches;
  common::Counter& conflicts;
  common::Counter& errors;  // stage: policy | inventory | list | get | patch | plan
  common::Gauge& managed;   // managed policies seen by the last pass
  common::Gauge& last_sync;
};

struct PlacementOutcome {
  std::string kind, namespace_, name;
  bool managed = false;
  bool changed = false;
  int conflicts = 0;
  std::string error;
};

struct PlacementPassResult {
  std::vector<PlacementOutcome> policies;
  std::optional<common::Error> error;  // a list failed, or no inventory / policy yet
  bool all_hold() const;
};

using AdmissionPolicySource = std::function<std::shared_ptr<const policies::Policy>()>;
using ClusterSnapshotSource = std::function<policies::ClusterSnapshot()>;

struct PlacementReconcilerOptions {
  TaintReconcilerOptions base;                    // client, backoff, jitter, attempts, resync period
  std::chrono::milliseconds inventory_poll{500};  // how often the inventory is checked for changes
};

class PlacementReconciler {
 public:
  PlacementReconciler(kube::KubeConnection connection, AdmissionPolicySource policy, ClusterSnapshotSource clusters,
                      PlacementReconcilerOptions options = {}, PlacementMetrics* metrics = nullptr);
  ~PlacementReconciler();
  PlacementReconciler(const PlacementReconciler&) = delete;
  PlacementReconciler& operator=(const PlacementReconciler&) = delete;

  PlacementPassResult run_once();
  void start();
  void stop();

 private:
  PlacementOutcome reconcile(nlohmann::json policy_object, const policies::ClusterSnapshot& clusters,
                             const policies::Policy& policy);
  std::string object_path(const nlohmann::json& policy_object) const;
  void run();
  void count(common::Counter* family, const common::LabelValues& labels);

  kube::KubeClient client_;
  AdmissionPolicySource policy_;
  ClusterSnapshotSource clusters_;
  PlacementReconcilerOptions options_;
  PlacementMetrics* metrics_;
  std::thread thread_;
  StopSignal stop_;
};

// What placements can see of the inventory: the same text for two snapshots that place alike.
std::string placement_fingerprint(const policies::ClusterSnapshot& clusters);

}  // namespace cell0::controllers
