// Kept apart from webhook_metrics.cc: only this file needs the engine's implementation.
#include "interpreters/engine.h"
#include "webhook/webhook_metrics.h"

namespace cell0::webhook {

void collect_engine_stats(WebhookMetrics& metrics, const interp::Engine& engine) {
  metrics.registry.add_collector([&metrics, &engine] {
    const interp::EngineStats s = engine.stats();
    metrics.lua_runs.set_total({}, static_cast<double>(s.lua_runs));
    metrics.lua_timeouts.set_total({}, static_cast<double>(s.timeouts));
    metrics.lua_errors.set_total({"runtime"}, static_cast<double>(s.runtime_errors));
    metrics.lua_errors.set_total({"memory"}, static_cast<double>(s.memory_errors));
    metrics.lua_states_replaced.set_total({}, static_cast<double>(s.states_replaced));
    metrics.lua_pool_in_use.set(static_cast<double>(s.pool_in_use));
    metrics.lua_pool_size.set(static_cast<double>(s.pool_size));
  });
}

}  // namespace cell0::webhook
