#include "webhook/webhook_metrics.h"

namespace cell0::webhook {

WebhookMetrics::WebhookMetrics(common::MetricsRegistry& r)
    : registry(r),
      requests(r.counter("cell0_webhook_requests_total", "Requests answered, by endpoint, operation, kind and result.",
                         {"endpoint", "operation", "kind", "result"})),
      latency(r.histogram("cell0_webhook_request_duration_seconds",
                          "Time from a parsed request to its answer, by endpoint, operation, kind and result.",
                          {"endpoint", "operation", "kind", "result"})),
      in_flight(r.gauge("cell0_webhook_requests_in_flight", "Requests being handled right now.")),
      connections_closed(r.counter("cell0_webhook_connections_closed_total",
                                   "Connections closed, by reason: client_closed, connection_close, shutdown, "
                                   "tls_error, bad_request, header_timeout, header_too_large, body_timeout, "
                                   "write_timeout, idle_timeout, max_connections (connection_stats.h).",
                                   {"reason"})),
      connections_open(r.gauge("cell0_webhook_connections_open", "Accepted connections not closed yet.")),
      reloads(r.counter("cell0_customizations_reloads_total", "Loads of the customization files, good or bad.")),
      reload_failures(r.counter("cell0_customizations_reload_failures_total",
                                "Loads of the customization files that failed; the last good set stays active.")),
      last_reload_success(r.gauge("cell0_customizations_last_reload_success_timestamp_seconds",
                                  "Unix time of the last good load of the customization files.")),
      customizations_ready(
          r.gauge("cell0_customizations_ready", "1 when a set of customizations is loaded and serving.")),
      customizations(r.gauge("cell0_customizations_loaded", "ResourceInterpreterCustomizations in the active set.")),
      lua_runs(r.counter("cell0_lua_runs_total", "Lua rule executions.")),
      lua_errors(r.counter("cell0_lua_errors_total", "Lua rule executions that failed, by kind.", {"kind"})),
      lua_timeouts(r.counter("cell0_lua_timeouts_total", "Lua rule executions stopped at their deadline.")),
      lua_states_replaced(
          r.counter("cell0_lua_states_replaced_total", "Lua states discarded and rebuilt after a failure.")),
      lua_pool_in_use(r.gauge("cell0_lua_pool_in_use", "Pooled Lua states lent out right now.")),
      lua_pool_size(r.gauge("cell0_lua_pool_size", "Lua states in the pool.")) {}

ReloadMetrics WebhookMetrics::customization_reloads() {
  return ReloadMetrics{reloads, reload_failures, &last_reload_success, &customizations_ready, &customizations};
}

ReloadMetrics policy_reload_metrics(common::MetricsRegistry& r) {
  return ReloadMetrics{
      r.counter("cell0_policy_reloads_total", "Loads of the admission policy file (--policy), good or bad."),
      r.counter("cell0_policy_reload_failures_total",
                "Loads of the admission policy file that failed; the last good policy stays in force.")};
}

}  // namespace cell0::webhook
