// Any JSON goes into Lua and back out (encode, empty-table repair, Go bytes) without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/json_depth.h"
#include "lua/empty_tables.h"
#include "lua/json_lua.h"
#include "lua/vm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static cell0::lua::Vm vm(64u << 20);
  static auto script = [] {
    std::string error;
    return cell0::lua::Script::compile("function F(o) return o end", "fuzz", &error);
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (cell0::common::json_nesting_depth(text, 512) > 512) return 0;
  nlohmann::json input;
  try {
    input = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  nlohmann::json out;
  vm.call(
      *script, "F", 1,
      [&](lua_State* L) {
        cell0::lua::push_json(L, input);
        return 1;
      },
      [&](lua_State* L, int first) {
        out =
            cell0::lua::repair_empty_tables(cell0::lua::to_json(L, first), {&input}, cell0::lua::RepairTarget::Object);
        (void)cell0::lua::go_json_dump(out);
      },
      std::chrono::seconds(1));
  return 0;
}
