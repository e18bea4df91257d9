// The controllers `serve` runs beside the HTTPS server, each when its credentials are given:
// with --kubeconfig/--in-cluster the pure-control taint reconciler and the anydoor placement
// reconciler that reads its cluster inventory (one watch); with --cell0-kubeconfig or
// --cell0-in-cluster the Cell0 namespace cache of the zone rules' opt-in annotation.
#pragma once

#include <memory>
#include <string>

#include "common/metrics.h"
#include "controllers/namespace_cache.h"
#include "controllers/placement_reconciler.h"
#include "controllers/reconciler_metrics.h"
#include "controllers/taint_reconciler.h"
#include "webhook/admission_endpoint.h"

namespace cell0::cli {

struct ServeConfig;

class Controllers {
 public:
  // Null, after logging why, when the taint reconciler's credentials are unusable. Unusable Cell0
  // credentials only leave the namespace cache out: the zone rules then go by names.
  static std::unique_ptr<Controllers> create(const ServeConfig& config, webhook::PolicySource policy,
                                             common::MetricsRegistry& registry);
  Controllers(const Controllers&) = delete;
  Controllers& operator=(const Controllers&) = delete;

  void start();
  // The placement reconciler first: it reads the taint reconciler's inventory.
  void stop();
  // A new admission policy: the taint reconciler applies its rule again.
  void policy_changed();

  // For the admission endpoints; empty functions when the controller does not run.
  webhook::ClusterSource clusters() const;
  webhook::NamespaceSource namespaces() const;
  // /readyz: how the zone rules decide that a namespace is opted in.
  std::string zone_namespace_mode() const;

 private:
  Controllers() = default;
  bool set_up_taints(const ServeConfig& config, webhook::PolicySource policy, common::MetricsRegistry& registry);
  void set_up_namespace_cache(const ServeConfig& config, common::MetricsRegistry& registry);

  // Declared so that each is destroyed (and stopped) before what it reads.
  std::unique_ptr<controllers::ReconcilerMetrics> reconciler_metrics_;
  std::unique_ptr<controllers::TaintReconciler> taints_;
  std::unique_ptr<controllers::PlacementMetrics> placement_metrics_;
  std::unique_ptr<controllers::PlacementReconciler> placements_;
  std::unique_ptr<controllers::NamespaceCacheMetrics> namespace_metrics_;
  std::unique_ptr<controllers::NamespaceCache> cell0_namespaces_;
  std::string cell0_credentials_error_;
};

}  // namespace cell0::cli
