// Kept apart from interpreter_endpoint.cc: only this file needs the engine's implementation.
#include "interpreters/engine.h"
#include "webhook/interpreter_endpoint.h"

namespace cell0::webhook {

JsonEndpoint interpreter_endpoint(const interp::Engine& engine) {
  return interpreter_endpoint([&engine](const interp::InterpretRequest& request) { return engine.interpret(request); });
}

}  // namespace cell0::webhook
