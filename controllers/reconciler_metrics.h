// The taint reconciler's metric families (cell0_taint_reconciler_*).
#pragma once

#include "common/metrics.h"

namespace cell0::controllers {

struct ReconcilerMetrics {
  explicit ReconcilerMetrics(common::MetricsRegistry& registry);

  common::Counter& reconciles;      // result: unchanged | patched | planned | error
  common::Counter& patches;         // action: add | remove
  common::Counter& conflicts;       // patches refused because the cluster changed meanwhile
  common::Counter& errors;          // stage: list | watch | get | patch
  common::Counter& watch_restarts;  // reason: timeout | gone | failed
  common::Gauge& cache_size;
  common::Gauge& last_sync;  // unix seconds of the last full list with every cluster in order
};

}  // namespace cell0::controllers
