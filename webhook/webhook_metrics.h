// The metric families the server, the interpreter route and the reloader update.
#pragma once

#include <memory>

#include "webhook/metrics.h"

namespace cell0::interp {
class Engine;
}

namespace cell0::webhook {

struct GuardCounters;

struct WebhookMetrics {
  explicit WebhookMetrics(MetricsRegistry& registry);

  MetricsRegistry& registry;
  // endpoint, operation, kind, result (ok | error | rejected | ...)
  Counter& requests;
  Histogram& latency;
  Gauge& in_flight;
  Counter& connections_closed;  // reason: header_timeout | body_timeout | ... (connection_guard.h)
  Gauge& connections_open;
  Counter& reloads;
  Counter& reload_failures;
  Gauge& last_reload_success;  // unix seconds of the last good load
  Gauge& customizations_ready;  // 1 when a registry is loaded
  Gauge& customizations;        // customizations in the current snapshot
  Counter& lua_runs;
  Counter& lua_errors;  // kind: runtime | memory
  Counter& lua_timeouts;
  Counter& lua_states_replaced;
  Gauge& lua_pool_in_use;
  Gauge& lua_pool_size;
};

// Copies Engine::stats() into the lua_* families on every scrape.
void collect_engine_stats(WebhookMetrics& metrics, const interp::Engine& engine);
// Copies the connection guard's counters into connections_* on every scrape.
void collect_guard_stats(WebhookMetrics& metrics, std::shared_ptr<const GuardCounters> counters);

}  // namespace cell0::webhook
