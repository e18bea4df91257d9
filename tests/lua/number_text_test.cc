// Every lua-numbers vector through the real sandbox: a number arriving from JSON must print in
// tostring, `..` and string.format exactly as Karmada's gopher-lua prints it.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <fstream>
#include <string>

#include "lua_test_support.h"

using cell0::lua::CallStatus;
using cell0::lua::Vm;
using nlohmann::json;

TEST_CASE("numbers from JSON print as in Karmada (lua-numbers vectors)", "[numbers]") {
  std::ifstream in(CELL0_SHARED_DIR "/conformance/lua-numbers/vectors.jsonl");
  if (!in) {
    WARN("lua-numbers vectors not found beside the project; skipped");
    return;
  }
  Vm vm(64u << 20);
  auto script = cell0::lua::testing::compile_or_throw(R"(function f(x)
    return {tostring(x), "v=" .. x, string.format("%d", x), string.format("%s", x)}
  end)");
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json v = json::parse(line);
    const double d = std::bit_cast<double>(std::stoull(v["float64_bits"].get<std::string>(), nullptr, 16));
    json got;
    auto outcome = vm.call(
        *script, "f", 1,
        [&](lua_State* L) {
          cell0::lua::push_json(L, json(d));
          return 1;
        },
        [&](lua_State* L, int first) { got = cell0::lua::to_json(L, first); }, std::chrono::seconds(1));
    INFO(line);
    REQUIRE(outcome.status == CallStatus::Ok);
    CHECK(got == json::array({v["tostring"], v["concat"], v["format_d"], v["format_s"]}));
    ++checked;
  }
  CHECK(checked > 600);
}
