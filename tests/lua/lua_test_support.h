// Runs small scripts through the real sandbox for tests.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "lua/json_lua.h"
#include "lua/script.h"
#include "lua/vm.h"

namespace cell0::lua::testing {

struct RunResult {
  CallOutcome outcome;
  nlohmann::json value;  // the first result, encoded as gopher-json would
};

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline std::shared_ptr<const Script> compile_or_throw(const std::string& source) {
  std::string error;
  auto script = Script::compile(source, "test", &error);
  if (!script) throw std::runtime_error(error);
  return script;
}

// Calls f(args...) of `source` on `vm`, the arguments given as JSON values.
inline RunResult run(Vm& vm, const std::string& source, const nlohmann::json& args = nlohmann::json::array(),
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(1000), const char* fn = "f") {
  auto script = compile_or_throw(source);
  RunResult r;
  r.outcome = vm.call(
      *script, fn, 1,
      [&](lua_State* L) {
        for (const auto& a : args) push_json(L, a);
        return static_cast<int>(args.size());
      },
      [&](lua_State* L, int first) { r.value = to_json(L, first); }, timeout);
  return r;
}

}  // namespace cell0::lua::testing
