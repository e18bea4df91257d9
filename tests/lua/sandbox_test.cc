// The environment scripts see: Karmada's allow-list, its error texts, isolation between calls.
#include <catch2/catch.hpp>

#include "lua_test_support.h"

using cell0::lua::CallStatus;
using cell0::lua::Vm;
using cell0::lua::testing::contains;
using cell0::lua::testing::run;
using nlohmann::json;

TEST_CASE("disabled base functions fail with Karmada's message", "[sandbox]") {
  Vm vm(64u << 20);
  for (const char* name : {"collectgarbage", "dofile", "getfenv", "getmetatable", "load", "loadfile", "loadstring",
                           "rawequal", "rawget", "rawset", "setfenv", "setmetatable", "module", "newproxy"}) {
    INFO(name);
    // Not a tail call, so the caller's line is known.
    auto r = run(vm, std::string("function f()\n  local r = ") + name + "({})\n  return r\nend");
    REQUIRE(r.outcome.status == CallStatus::Runtime);
    CHECK(r.outcome.message == std::string("test:2: call function ") + name +
                                   " is not supported in karmada customized resourceinterpreter.");
  }
}

TEST_CASE("string.rep, gsub and dump are refused with Karmada's message", "[sandbox]") {
  Vm vm(64u << 20);
  for (const char* name : {"rep", "gsub", "dump"}) {
    INFO(name);
    auto r = run(vm, std::string("function f() return string.") + name + "('a', 'a', 'b') end");
    REQUIRE(r.outcome.status == CallStatus::Runtime);
    CHECK(contains(r.outcome.message, std::string("The Lua function string.") + name +
                                          " is not supported by Karmada. If you believe this function is "
                                          "essential for your use case, please submit an issue"));
    auto method = run(vm, std::string("function f() return ('a'):") + name + "(3) end");
    CHECK(method.outcome.status == CallStatus::Runtime);
  }
}

TEST_CASE("libraries outside the allow-list are absent", "[sandbox]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(function f()
    return {io = type(io), debug = type(debug), coroutine = type(coroutine), utf8 = type(utf8),
            execute = type(os.execute), getenv = type(os.getenv), remove = type(os.remove),
            exit = type(os.exit), time = type(os.time), date = type(os.date),
            version = _VERSION, unpack = type(unpack), concat = type(table.concat)}
  end)");
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value == json{{"io", "nil"},
                        {"debug", "nil"},
                        {"coroutine", "nil"},
                        {"utf8", "nil"},
                        {"execute", "nil"},
                        {"getenv", "nil"},
                        {"remove", "nil"},
                        {"exit", "nil"},
                        {"time", "function"},
                        {"date", "function"},
                        {"version", "Lua 5.1"},
                        {"unpack", "function"},
                        {"concat", "function"}});
}

TEST_CASE("escape attempts fail", "[sandbox]") {
  Vm vm(64u << 20);
  struct Attempt {
    const char* script;
    const char* message;
  };
  const Attempt attempts[] = {
      {"function f() return io.open('/etc/passwd') end", "attempt to index a nil value"},
      {"function f() return os.execute('touch /tmp/cell0-escape') end", "attempt to call a nil value"},
      {"function f() return load('return 1')() end", "call function load is not supported"},
      {"function f() return string.dump(f) end", "string.dump is not supported"},
      {"function f() return require('os') end", "module os not found:\n\tno field package.preload['os']"},
      {"function f() return require('json') end", "module json not found"},
      {"function f() return package.loadlib('libc.so.6', 'system') end", "loadlib is not supported"},
      {"function f() return getmetatable('').__index end", "call function getmetatable is not supported"},
      {"function f() return ('').__index.rep('x', 10) end", "attempt to index a nil value"},
      {"function f() return debug.getregistry() end", "attempt to index a nil value"},
      {"function f() return _G.io.open('/etc/passwd') end", "attempt to index a nil value"},
      {"function f() return _ENV.collectgarbage('count') end", "call function collectgarbage is not supported"},
  };
  for (const auto& a : attempts) {
    INFO(a.script);
    auto r = run(vm, a.script);
    REQUIRE(r.outcome.status == CallStatus::Runtime);
    CHECK(contains(r.outcome.message, a.message));
  }
}

TEST_CASE("require('kube') gives the kube library", "[sandbox]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(
    local kube = require("kube")
    function f() return {kube.resourceAdd("100m", "0.5"), type(kube.accuratePodRequirements),
                         type(kube.getPodDependencies), kube.getResourceQuantity("1Gi")} end)");
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value == json::array({"600m", "function", "function", 1073741824}));
}

TEST_CASE("string arguments are capped at 1,000,000 bytes", "[sandbox]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(function f()
    local t = {}
    for i = 1, 10102 do t[i] = string.format("%99s", "") end
    local s = table.concat(t)
    return s:upper()
  end)");
  REQUIRE(r.outcome.status == CallStatus::Runtime);
  CHECK(contains(r.outcome.message,
                 "string length 1000098 exceeds the maximum allowed input string length "
                 "1000000 in Karmada lua string lib, please check your lua script."));
}

TEST_CASE("a global assigned by one script is invisible to the next", "[sandbox]") {
  Vm vm(64u << 20);
  auto polluter = run(vm, R"(
    GLOBALX = 42
    function f()
      type = nil; tostring = nil; pairs = nil
      string.upper = nil; table.insert = nil; math.floor = nil
      local kube = require("kube"); kube.resourceAdd = nil
      counter = (counter or 0) + 1
      return counter
    end)");
  REQUIRE(polluter.outcome.status == CallStatus::Ok);
  auto victim = run(vm, R"(function f()
    local kube = require("kube")
    return {type(1), tostring(3), type(pairs), ("a"):upper(), string.upper("b"), type(table.insert),
            math.floor(2.5), kube.resourceAdd("1"), GLOBALX == nil}
  end)");
  REQUIRE(victim.outcome.status == CallStatus::Ok);
  CHECK(victim.value == json::array({"number", "3", "function", "A", "B", "function", 2, "1", true}));
  // The same script again starts from scratch too.
  auto again = run(vm, "function f() counter = (counter or 0) + 1 return counter end");
  CHECK(again.value == 1);
  CHECK(run(vm, "function f() counter = (counter or 0) + 1 return counter end").value == 1);
}

TEST_CASE("assigning nil to a base name hides it, as in Karmada's single global table", "[sandbox]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(function f()
    error = ''
    local t = {}
    error = t.missing
    string = nil
    return {e = error == nil, s = string == nil, p = type(pcall)}
  end)");
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value == json{{"e", true}, {"s", true}, {"p", "function"}});
}

TEST_CASE("numbers print as gopher-lua prints them", "[sandbox]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(function f(n)
    return {tostring(3), tostring(6/2), "" .. 6/2, "v=" .. 0.1 + 0.2, tostring(1000000.5), 7/2 .. "",
            string.format("%d", 3.7), string.format("%s", 6/2), tostring(2^63), 1e20 .. "", n .. "",
            tostring(n), "task-" .. (n - 1), tostring(1e15)}
  end)",
               json::array({5}));
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value == json::array({"3", "3", "3", "v=0.30000000000000004", "1.0000005e+06", "3.5", "3", "3",
                                "9.223372036854776e+18", "1e+20", "5", "5", "task-4", "1000000000000000"}));
}

TEST_CASE("string.format %g prints Go's shortest form; other specs stay C's", "[sandbox]") {
  Vm vm(64u << 20);
  auto r = run(vm, R"(function f()
    return {string.format("%g", 1e6), string.format("%g", 0.1 + 0.2), string.format("%g", 3),
            string.format("%g", 1e-5), string.format("%G", 1e20), string.format("%g|%d|%s", 123456, 7.9, 2.5),
            string.format("%.3g", 3.14159), string.format("%8.2f", 2.5), string.format("%%g %g", 0.5)}
  end)");
  REQUIRE(r.outcome.status == CallStatus::Ok);
  CHECK(r.value == json::array({"1e+06", "0.30000000000000004", "3", "1e-05", "1E+20", "123456|7|2.5", "3.14",
                                "    2.50", "%g 0.5"}));
}

TEST_CASE("concatenating a non-string reports the script line", "[sandbox]") {
  Vm vm(64u << 20);
  auto r = run(vm, "function f()\n  local t = {}\n  return 'a' .. t.missing\nend");
  REQUIRE(r.outcome.status == CallStatus::Runtime);
  CHECK(r.outcome.message == "test:3: attempt to concatenate a nil value");
}

TEST_CASE("a missing or non-function entry point is reported", "[sandbox]") {
  Vm vm(64u << 20);
  auto missing = run(vm, "function g() end");
  CHECK(missing.outcome.status == CallStatus::NotFound);
  CHECK(missing.outcome.message == "not found function f");
  auto notfn = run(vm, "f = 3");
  CHECK(notfn.outcome.status == CallStatus::NotFunction);
  CHECK(notfn.outcome.message == "f is not a function: number");
}

TEST_CASE("a syntax error names the chunk and line", "[sandbox]") {
  std::string error;
  auto script = cell0::lua::Script::compile("function f()\n  return 1 +\nend", "my-cust/replicaResource", &error);
  CHECK(script == nullptr);
  CHECK(contains(error, "my-cust/replicaResource:3:"));
}
