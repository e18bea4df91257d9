// The metric families the server, the interpreter route and the reloaders update.
#pragma once

#include <memory>

#include "common/metrics.h"

namespace cell0::interp {
class Engine;
}

namespace cell0::webhook {

// What a Reloader (reloader.h) counts: every load, good or bad, and the bad ones; the gauges
// only where given.
struct ReloadMetrics {
  common::Counter& reloads;
  common::Counter& failures;
  common::Gauge* last_success = nullptr;  // unix seconds of the last good load
  common::Gauge* ready = nullptr;         // 1 once a load succeeded
  common::Gauge* loaded = nullptr;        // customizations in the loaded set
};

struct WebhookMetrics {
  explicit WebhookMetrics(common::MetricsRegistry& registry);

  common::MetricsRegistry& registry;
  // endpoint, operation, kind, result (ok | error | rejected | ...)
  common::Counter& requests;
  common::Histogram& latency;
  common::Gauge& in_flight;
  common::Counter& connections_closed;  // reason: header_timeout | body_timeout | ... (connection_stats.h)
  common::Gauge& connections_open;
  common::Counter& reloads;
  common::Counter& reload_failures;
  common::Gauge& last_reload_success;   // unix seconds of the last good load
  common::Gauge& customizations_ready;  // 1 when a registry is loaded
  common::Gauge& customizations;        // customizations in the current snapshot
  common::Counter& lua_runs;
  common::Counter& lua_errors;  // kind: runtime | memory
  common::Counter& lua_timeouts;
  common::Counter& lua_states_replaced;
  common::Gauge& lua_pool_in_use;
  common::Gauge& lua_pool_size;

  // The cell0_customizations_* families above, for the customizations' Reloader.
  ReloadMetrics customization_reloads();
};

// cell0_policy_reloads_total and cell0_policy_reload_failures_total, for the --policy file's
// Reloader.
ReloadMetrics policy_reload_metrics(common::MetricsRegistry& registry);

// Copies Engine::stats() into the lua_* families on every scrape.
void collect_engine_stats(WebhookMetrics& metrics, const interp::Engine& engine);

}  // namespace cell0::webhook
