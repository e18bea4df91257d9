// Numeric for loops whose index is only ever used as a table key keep Lua 5.4's integer loop
// (cheaper lookups); every other loop stays a float loop, as every number is in gopher-lua.
#include <catch2/catch.hpp>

#include "lua_test_support.h"

using cell0::lua::CallStatus;
using cell0::lua::Vm;
using cell0::lua::testing::compile_or_throw;
using cell0::lua::testing::contains;
using cell0::lua::testing::run;
using nlohmann::json;

TEST_CASE("a loop index used only as a key keeps its integer literals", "[numeric_for]") {
  const auto indexed = compile_or_throw("function f(t) local s = {} for i = 1, #t do s[i] = t[i] end return s end");
  CHECK(contains(indexed->runnable(), "for i = 1, #t do"));
  const auto stepped = compile_or_throw("function f(t) local s = 0 for i = 1, 10, 2 do s = s + t[i] end return s end");
  CHECK(contains(stepped->runnable(), "for i = 1, 10.0, 2 do"));
  // `x.i` and `x:i()` name a field and a method, not the index.
  const auto fields = compile_or_throw("function f(t) local n = 0 for i = 1, 3 do n = n + t.i + t[i] end return n end");
  CHECK(contains(fields->runnable(), "for i = 1, 3.0 do"));
}

TEST_CASE("any other use of the index keeps the float loop", "[numeric_for]") {
  for (const char* source : {
           "function f(t) local s = 0 for i = 1, 3 do s = s + i end return s end",
           "function f(t) for i = 1, 3 do t[i + 1] = i end return t end",
           "function f(t) for i = 1, 3 do local i = 'x' t[i] = 1 end return t end",
           "function f(t) for i = 1, 3 do t[i] = function() return i end end return t end",
           "function f(t) for i = 1, 3 do t[i] = {i} end return t end",
       }) {
    INFO(source);
    CHECK(contains(compile_or_throw(source)->runnable(), "for i = 1.0, 3.0 do"));
  }
  // A start or step that is not a lone integer numeral is left as the float rule makes it.
  CHECK(contains(compile_or_throw("function f(t) for i = -1, 3 do t[i] = 1 end return t end")->runnable(),
                 "for i = -1.0, 3.0 do"));
  CHECK(contains(compile_or_throw("function f(t) for i = 1, 3, -1 do t[i] = 1 end return t end")->runnable(),
                 "for i = 1.0, 3.0, -1.0 do"));
}

TEST_CASE("integer and float loops give scripts the same answers", "[numeric_for]") {
  Vm vm(64u << 20);
  // Copies by index, with a hole, over an input list; reads past the end; writes keys back.
  auto copy = run(vm,
                  "function f(t) local s = {} for i = 1, #t + 1 do s[i] = t[i] end "
                  "s[5] = 'e' local n = 0 for i = 1, #s do if s[i] ~= nil then n = n + 1 end end "
                  "return {copy = {s[1], s[2], s[3]}, n = n, len = #s} end",
                  json::array({json::array({"a", "b", "c"})}));
  REQUIRE(copy.outcome.status == CallStatus::Ok);
  CHECK(copy.value == json::parse(R"({"copy": ["a", "b", "c"], "n": 4, "len": 5})"));

  // The index in arithmetic is a float: its square past 2^63 does not wrap around (an integer
  // index would give 2^32 * 2^32 = 0).
  auto big = run(vm, "function f() local r = 0 for i = 4294967296, 4294967296 do r = i * i end return r > 0 end");
  REQUIRE(big.outcome.status == CallStatus::Ok);
  CHECK(big.value == true);

  // Numeric keys written by an integer loop and by a float loop are the same keys.
  auto same = run(vm,
                  "function f() local a, b = {}, {} for i = 1, 4 do a[i] = true end "
                  "for i = 1, 4 do b[i] = i end local n = 0 for k, _ in pairs(a) do n = n + b[k] end return n end");
  REQUIRE(same.outcome.status == CallStatus::Ok);
  CHECK(same.value == 10);
}
