// The taint reconciler's metric families (cell0_taint_reconciler_*).
#pragma once

#include "webhook/metrics.h"

namespace cell0::webhook {

struct ReconcilerMetrics {
  explicit ReconcilerMetrics(MetricsRegistry& registry);

  Counter& reconciles;      // result: unchanged | patched | planned | error
  Counter& patches;         // action: add | remove
  Counter& conflicts;       // patches refused because the cluster changed meanwhile
  Counter& errors;          // stage: list | watch | get | patch
  Counter& watch_restarts;  // reason: timeout | gone | failed
  Gauge& cache_size;
  Gauge& last_sync;  // unix seconds of the last full list with every cluster in order
};

}  // namespace cell0::webhook
