// Arbitrary scripts in the sandbox: compile (with the `..` rewrite) and run under a small budget.
// Nothing may crash, hang past the budget, or leave the state unusable.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lua/json_lua.h"
#include "lua/vm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static cell0::lua::VmPool pool(1, 8u << 20);
  const std::string source(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto script = cell0::lua::Script::compile(source, "fuzz", &error);
  if (!script) return 0;
  const nlohmann::json arg = {{"kind", "X"}, {"spec", {{"replicas", 3}, {"list", {1, "a", nullptr}}}}};
  {
    auto vm = pool.acquire();
    vm->call(
        *script, "F", 1,
        [&](lua_State* L) {
          cell0::lua::push_json(L, arg);
          return 1;
        },
        [&](lua_State* L, int first) {
          try {
            (void)cell0::lua::to_json(L, first);
          } catch (const cell0::lua::ConversionError&) {
          }
        },
        std::chrono::milliseconds(50));
  }
  // The pool must still hand out a working state.
  static auto probe = [] {
    std::string e;
    return cell0::lua::Script::compile("function F(x) return x.spec.replicas + 1 end", "probe", &e);
  }();
  auto vm = pool.acquire();
  nlohmann::json got;
  auto outcome = vm->call(
      *probe, "F", 1,
      [&](lua_State* L) {
        cell0::lua::push_json(L, arg);
        return 1;
      },
      [&](lua_State* L, int first) { got = cell0::lua::to_json(L, first); }, std::chrono::seconds(1));
  if (outcome.status != cell0::lua::CallStatus::Ok || got != 4) __builtin_trap();
  return 0;
}
