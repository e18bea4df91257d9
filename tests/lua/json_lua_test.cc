// JSON <-> Lua conversion and the empty-table repair (reference §2.3, §2.5, §2.6).
#include <catch2/catch.hpp>

#include "lua/empty_tables.h"
#include "lua_test_support.h"

using cell0::lua::CallStatus;
using cell0::lua::go_json_dump;
using cell0::lua::repair_empty_tables;
using cell0::lua::RepairTarget;
using cell0::lua::Vm;
using cell0::lua::testing::run;
using nlohmann::json;

TEST_CASE("nulls vanish on the way into Lua, also inside arrays", "[json]") {
  Vm vm(64u << 20);
  auto r = run(vm, "function f(o) return {#o.a, o.a[2], o.b == nil, o.c} end",
               json::array({json::parse(R"({"a":[1,null,3],"b":null,"c":"x"})")}));
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value == json::array({2, 3, true, "x"}));
}

TEST_CASE("JSON numbers are floats (gopher-lua has no integer subtype), integral ones print plain", "[json]") {
  Vm vm(64u << 20);
  auto r = run(vm, "function f(o) return {math.type(o.i), math.type(o.f), math.type(o.g), o.i .. '', o.g .. ''} end",
               json::array({json::parse(R"({"i":3,"f":0.5,"g":3.0})")}));
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value == json::array({"float", "float", "float", "3", "3"}));
}

TEST_CASE("Lua results encode as gopher-json does", "[json]") {
  Vm vm(64u << 20);
  SECTION("objects sorted, empty tables as arrays, numbers in Go's format") {
    auto r = run(vm, "function f() return {z = 1, a = {}, m = 0.5, big = 1e21, small = 1e-7, int = 2^53} end");
    REQUIRE(r.outcome.status == CallStatus::Ok);
    CHECK(go_json_dump(r.value) == R"({"a":[],"big":1e+21,"int":9007199254740992,"m":0.5,"small":1e-7,"z":1})");
  }
  SECTION("strings escaped as Go does") {
    auto r = run(vm, R"(function f() return {s = "<a&b>\n\t\"\\\1", u = "\226\128\168", bad = "\255"} end)");
    REQUIRE(r.outcome.status == CallStatus::Ok);
    CHECK(go_json_dump(r.value) == R"({"bad":"�","s":"\u003ca\u0026b\u003e\n\t\"\\\u0001","u":"\u2028"})");
  }
  struct Bad {
    const char* script;
    const char* message;
  };
  const Bad bad[] = {
      {"function f() return {1, 2, [4] = 4} end", "cannot encode sparse array"},
      {"function f() return {[2] = 2} end", "cannot encode sparse array"},
      {"function f() return {1, x = 2} end", "cannot encode mixed or invalid key types"},
      {"function f() return {[true] = 1} end", "cannot encode mixed or invalid key types"},
      {"function f() local t = {} return {a = t, b = t} end", "cannot encode recursively nested tables to JSON"},
      {"function f() local t = {} t.self = t return t end", "cannot encode recursively nested tables to JSON"},
      {"function f() return {x = 0/0} end", "json: unsupported value: NaN"},
      {"function f() return {x = 1/0} end", "json: unsupported value: +Inf"},
      {"function f() return {x = print} end", "cannot encode function to JSON"},
  };
  for (const auto& b : bad) {
    INFO(b.script);
    auto r = run(vm, b.script);
    CHECK(r.outcome.status == CallStatus::Conversion);
    CHECK(r.outcome.message.find(b.message) != std::string::npos);
  }
}

TEST_CASE("empty-table repair follows Karmada's worked examples", "[json][repair]") {
  SECTION("no references") {
    auto out = repair_empty_tables(
        json::parse(R"({"kind":"X","spec":{"replicas":3,"sel":[],"arr":[],"e":[]},"status":{"conditions":[]}})"), {},
        RepairTarget::Object);
    CHECK(go_json_dump(out) == R"({"kind":"X","spec":{"replicas":3},"status":{}})");
  }
  SECTION("the input as reference") {
    const json input = json::parse(R"({"kind":"X","spec":{"replicas":3,"sel":{},"arr":[]}})");
    auto out = repair_empty_tables(
        json::parse(R"({"kind":"X","spec":{"replicas":3,"sel":[],"arr":[],"e":[]},"status":{"conditions":[]}})"),
        {&input}, RepairTarget::Object);
    CHECK(go_json_dump(out) == R"({"kind":"X","spec":{"arr":[],"replicas":3,"sel":{}},"status":{}})");
  }
  SECTION("Retain with desired and observed as references") {
    const json desired = json::parse(R"({"kind":"X","spec":{"sel":{},"list":[{"a":{}}]}})");
    const json observed = json::parse(R"({"kind":"X","spec":{"paused":true,"tpl":{"x":{},"y":[]},"list":[{"b":[]}]}})");
    const json encoded =
        json::parse(R"({"kind":"X","spec":{"list":[{"a":[]},{"b":[]}],"paused":true,"sel":[],"tpl":{"x":[],"y":[]}}})");
    CHECK(go_json_dump(repair_empty_tables(encoded, {&desired, &observed}, RepairTarget::Object)) ==
          R"({"kind":"X","spec":{"list":[{"a":{}},{"b":[]}],"paused":true,"sel":{},"tpl":{"x":{},"y":[]}}})");
    CHECK(go_json_dump(repair_empty_tables(encoded, {}, RepairTarget::Object)) ==
          R"({"kind":"X","spec":{"list":[{},{}],"paused":true,"tpl":{}}})");
  }
  SECTION("empty elements of an array are removed") {
    CHECK(go_json_dump(repair_empty_tables(json::parse(R"({"m":[[],[1]]})"), {}, RepairTarget::Object)) ==
          R"({"m":[[1]]})");
    CHECK(go_json_dump(repair_empty_tables(json::parse(R"({"m":[[],[1],[],[],[2],[]]})"), {}, RepairTarget::Object)) ==
          R"({"m":[[1],[2]]})");
  }
  SECTION("keys with dots and colons") {
    const json ref = json::parse(R"({"metadata":{"annotations":{"a.b/c":{}}},"spec":{":colons":{},".dots":[]}})");
    auto out = repair_empty_tables(
        json::parse(R"({"metadata":{"annotations":{"a.b/c":[]}},"spec":{":colons":[],".dots":[]}})"), {&ref},
        RepairTarget::Object);
    CHECK(go_json_dump(out) == R"({"metadata":{"annotations":{"a.b/c":{}}},"spec":{".dots":[],":colons":{}}})");
  }
  SECTION("lua_convert_test references") {
    const json r1 = json::parse(R"({"spec":[{"aa":{},"bb":[]}]})");
    const json r2 = json::parse(R"({"spec":[{"dd":{"ee":{}}}]})");
    auto out = repair_empty_tables(json::parse(R"({"spec":[{"aa":[],"bb":[],"cc":["x"],"dd":{"ee":[],"ff":[]}}]})"),
                                   {&r1, &r2}, RepairTarget::Object);
    CHECK(go_json_dump(out) == R"({"spec":[{"aa":{},"bb":[],"cc":["x"],"dd":{"ee":{}}}]})");
  }
  SECTION("a bare empty table") {
    CHECK(repair_empty_tables(json::array(), {}, RepairTarget::Object) == json::object());
    CHECK(repair_empty_tables(json::array(), {}, RepairTarget::List) == json::array());
  }
  SECTION("string values that look like JSON are untouched") {
    CHECK(go_json_dump(repair_empty_tables(json::parse(R"({"s":"\"x\":[]"})"), {}, RepairTarget::Object)) ==
          R"({"s":"\"x\":[]"})");
  }
}
