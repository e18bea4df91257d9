// POST /interpreter: the ResourceInterpreterContext codec in front of an interpreter.
#pragma once

#include <functional>

#include "interpreters/engine.h"
#include "webhook/server.h"

namespace cell0::webhook {

using InterpretFn = std::function<common::Result<interp::InterpretResult>(const interp::InterpretRequest&)>;

// HTTP 400 only when the reply cannot echo a uid (no uid, or not a ResourceInterpreterContext);
// every other refusal is HTTP 200 with successful:false, which Karmada reports with its message.
JsonEndpoint interpreter_endpoint(InterpretFn interpret);
JsonEndpoint interpreter_endpoint(const interp::Engine& engine);

}  // namespace cell0::webhook
