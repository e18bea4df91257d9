#include "controllers/reconciler_metrics.h"

namespace cell0::controllers {

ReconcilerMetrics::ReconcilerMetrics(common::MetricsRegistry& r)
    : reconciles(r.counter("cell0_taint_reconciler_reconciles_total",
                           "Clusters checked against the pure-control taint rule, by result.", {"result"})),
      patches(
          r.counter("cell0_taint_reconciler_patches_total", "Cluster taint patches applied, by action.", {"action"})),
      conflicts(r.counter("cell0_taint_reconciler_conflicts_total",
                          "Patches refused because the Cluster changed meanwhile (retried on a fresh copy).")),
      errors(
          r.counter("cell0_taint_reconciler_errors_total", "Failed API calls of the reconciler, by stage.", {"stage"})),
      watch_restarts(r.counter("cell0_taint_reconciler_watch_restarts_total",
                               "Cluster watches started again, by the reason the previous one ended.", {"reason"})),
      cache_size(r.gauge("cell0_taint_reconciler_cache_clusters", "Clusters in the reconciler's cache.")),
      last_sync(r.gauge("cell0_taint_reconciler_last_sync_timestamp_seconds",
                        "Unix time of the last full list after which every cluster held the rule.")) {}

}  // namespace cell0::controllers
