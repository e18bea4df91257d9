// Holes the hostile-Lua corpus (tests/webhook/hostile_lua) found end to end, pinned down here:
// package tables shared between calls, table.move outside the budget, error messages of any
// size, and results that expand without bound when encoded.
#include <catch2/catch.hpp>

#include <chrono>

#include "lua_test_support.h"

using cell0::lua::CallStatus;
using cell0::lua::ConversionError;
using cell0::lua::to_json;
using cell0::lua::Vm;
using cell0::lua::testing::contains;
using cell0::lua::testing::run;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST_CASE("package.loaded and package.preload are fresh in every call", "[sandbox][hardening]") {
  Vm vm(64u << 20);
  auto writer = run(vm, R"(function f()
    package.loaded.poisoned = true
    package.preload.kube = function() return {} end
    return next(package.loaded) ~= nil
  end)");
  REQUIRE(writer.outcome.status == CallStatus::Ok);
  CHECK(writer.value == true);
  auto reader = run(vm, R"(function f()
    return {next(package.loaded) == nil, next(package.preload) == nil, type(require('kube').resourceAdd)}
  end)");
  REQUIRE(reader.outcome.status == CallStatus::Ok);
  CHECK(reader.value == json::array({true, true, "function"}));
}

TEST_CASE("table.move over a huge range stops at the deadline", "[budget][hardening]") {
  Vm vm(16u << 20);
  const auto start = steady_clock::now();
  auto r = run(vm, "function f() table.move({}, 1, 2^62, 1, {}) return 1 end", json::array(), milliseconds(100));
  CHECK(r.outcome.status == CallStatus::Timeout);
  CHECK(contains(r.outcome.message, "test:1: context deadline exceeded"));
  CHECK(steady_clock::now() - start < milliseconds(2000));
}

TEST_CASE("table.move keeps the library's results", "[sandbox][hardening]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(function f()
    local up = {1, 2, 3, 4, 5}
    table.move(up, 1, 3, 2)          -- overlapping, upwards
    local down = {1, 2, 3, 4, 5}
    table.move(down, 2, 5, 1)        -- overlapping, downwards
    local other = table.move({7, 8}, 1, 2, 3, {1, 2})
    local same = table.move({9}, 1, 0, 1)  -- empty range
    local ok, err = pcall(table.move, {}, 1, 2, 2^63)  -- past the integers table.move takes
    return {up, down, other, same, ok, err}
  end)");
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value[0] == json::array({1, 1, 2, 3, 5}));
  CHECK(r.value[1] == json::array({2, 3, 4, 5, 5}));
  CHECK(r.value[2] == json::array({1, 2, 7, 8}));
  CHECK(r.value[3] == json::array({9}));
  CHECK(r.value[4] == false);
  CHECK(contains(r.value[5].get<std::string>(), "number has no integer representation"));
}

TEST_CASE("a huge error message is cut, on a UTF-8 boundary", "[sandbox][hardening]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(function f()
    local s = 'x'
    for i = 1, 22 do s = s .. s end
    error('\195\169' .. s)
  end)");
  REQUIRE(r.outcome.status == CallStatus::Runtime);
  CHECK(r.outcome.message.size() < 4200);
  CHECK(contains(r.outcome.message, "test:4: \xc3\xa9xxxx"));
  CHECK(contains(r.outcome.message, "(error message of 4194314 bytes truncated)"));
  // A call that leaves garbage of more than a quarter of the limit has it collected at once,
  // and asks the pool to trim the heap (once).
  Vm small(16u << 20);
  auto garbage = run(small, R"(function f()
    local s = 'x'
    for i = 1, 21 do s = s .. s end
    error(s)
  end)");
  REQUIRE(garbage.outcome.status == CallStatus::Runtime);
  CHECK(small.take_trim_request());
  CHECK_FALSE(small.take_trim_request());
  CHECK_FALSE(vm.take_trim_request());  // 12 MiB of garbage is not a quarter of 64 MiB
  // 4096 bytes in, the cut would split the two-byte é when the message starts one byte later.
  auto odd = run(vm, R"(function f()
    local s = ''
    for i = 1, 3000 do s = s .. '\195\169' end
    error('x' .. s, 0)
  end)");
  REQUIRE(odd.outcome.status == CallStatus::Runtime);
  CHECK(json(odd.outcome.message).dump().size() > 4096);  // valid UTF-8: dump() would throw
  CHECK(contains(odd.outcome.message, "(error message of 6001 bytes truncated)"));
  // Invalid UTF-8 becomes U+FFFD per byte, as Go's encoder writes it.
  auto bytes = run(vm, "function f() error('bad: \\255\\195', 0) end");
  CHECK(bytes.outcome.message == "bad: \xef\xbf\xbd\xef\xbf\xbd");
  // A short message is passed on whole.
  CHECK(run(vm, "function f() error('short', 0) end").outcome.message == "short");
}

TEST_CASE("a result that expands without bound as JSON is refused", "[json][hardening]") {
  Vm vm(16u << 20);
  // One 1 MiB string in 100000 slots: 1.6 MB in Lua, 100 GB of JSON.
  auto r = run(vm, R"(function f()
    local s = 'x'
    for i = 1, 20 do s = s .. s end
    local t = {}
    for i = 1, 100000 do t[i] = s end
    return {copies = t}
  end)");
  CHECK(r.outcome.status == CallStatus::Conversion);
  CHECK(contains(r.outcome.message, "the value is larger than 64 MiB as JSON"));
  CHECK(vm.spoiled());  // a budget hit: the pool replaces the state and trims the freed memory

  lua_State* L = luaL_newstate();
  lua_createtable(L, 3, 0);
  for (int i = 1; i <= 3; ++i) {
    lua_pushliteral(L, "0123456789");
    lua_rawseti(L, -2, i);
  }
  CHECK(to_json(L, 1, 16, 100) == json::array({"0123456789", "0123456789", "0123456789"}));
  CHECK_THROWS_AS(to_json(L, 1, 16, 30), ConversionError);
  CHECK_THROWS_WITH(to_json(L, 1, 16, 30), "the value is larger than 30 bytes as JSON");
  lua_close(L);
}
