// The metric families the server, the interpreter route and the reloader update.
#pragma once

#include <memory>

#include "common/metrics.h"

namespace cell0::interp {
class Engine;
}

namespace cell0::webhook {

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
  common::Gauge& last_reload_success;  // unix seconds of the last good load
  common::Gauge& customizations_ready;  // 1 when a registry is loaded
  common::Gauge& customizations;        // customizations in the current snapshot
  common::Counter& lua_runs;
  common::Counter& lua_errors;  // kind: runtime | memory
  common::Counter& lua_timeouts;
  common::Counter& lua_states_replaced;
  common::Gauge& lua_pool_in_use;
  common::Gauge& lua_pool_size;
};

// Copies Engine::stats() into the lua_* families on every scrape.
void collect_engine_stats(WebhookMetrics& metrics, const interp::Engine& engine);

}  // namespace cell0::webhook
