// ResourceInterpreterContext decoding and dispatch through the real engine and the bundled
// customizations: every input gets a well-formed reply.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/json_depth.h"
#include "interpreters/engine.h"
#include "webhook/interpreter_endpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static cell0::interp::Engine engine([] {
    cell0::interp::EngineOptions o;
    o.pool_size = 1;
    o.deadline = std::chrono::milliseconds(100);
    return o;
  }());
  static const auto endpoint = [] {
    auto reg = cell0::interp::load_registry({CELL0_SOURCE_DIR "/interpreters/customizations"});
    if (!reg) __builtin_trap();
    engine.set_registry(*reg);
    return cell0::webhook::interpreter_endpoint(engine);
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (cell0::common::json_nesting_depth(text, 512) > 512) return 0;
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  auto reply = endpoint.handle(body);
  auto parsed = nlohmann::json::parse(reply.body);  // must be valid JSON
  if (!parsed.contains("response")) __builtin_trap();
  return 0;
}
