// The customizations `serve` interprets with: the Lua engine and the reloader that keeps its
// registry current from --customizations, the last good set kept.
#pragma once

#include "interpreters/engine.h"
#include "webhook/reloader.h"
#include "webhook/webhook_metrics.h"

namespace cell0::cli {

struct ServeConfig;

struct InterpreterRules {
  // Loads the customizations now; a broken first set leaves /readyz at 503 until a good one
  // appears. The engine's counters reach /metrics through `metrics`.
  InterpreterRules(const ServeConfig& config, webhook::WebhookMetrics& metrics);

  interp::Engine engine;
  webhook::Reloader reloader;  // after the engine: it installs registries there
};

}  // namespace cell0::cli
