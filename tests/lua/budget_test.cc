// Time and memory budgets: hostile scripts stop within budget and the pool recovers.
#include <catch2/catch.hpp>

#include <chrono>

#include "lua_test_support.h"

using cell0::lua::CallStatus;
using cell0::lua::Vm;
using cell0::lua::VmPool;
using cell0::lua::testing::run;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

struct Hostile {
  const char* name;
  const char* script;
  CallStatus expected;
};

const Hostile kHostile[] = {
    {"infinite loop", "function f() while true do end end", CallStatus::Timeout},
    {"pcall-wrapped infinite loop", "function f() while true do pcall(function() while true do end end) end end",
     CallStatus::Timeout},
    {"pcall swallowing errors in a loop", "function f() for i = 1, 1e12 do pcall(error, 'x') end end",
     CallStatus::Timeout},
    // Lua runs a message handler for a hook's error with hooks off; ours runs it after unwinding.
    {"xpcall with a looping handler",
     "function f() return xpcall(function() error('x') end, function() while true do end end) end",
     CallStatus::Timeout},
    {"catastrophic pattern",
     "function f() local t = {} for i = 1, 100000 do t[i] = 'a' end "
     "return string.find(table.concat(t), 'a*a*a*a*a*b') end",
     CallStatus::Timeout},
    {"catastrophic gmatch",
     "function f() local t = {} for i = 1, 50000 do t[i] = 'a' end "
     "for m in string.gmatch(table.concat(t), 'a-a-a-a-b') do end end",
     CallStatus::Timeout},
    // Milliseconds per call, spent in C where the instruction hook does not count.
    {"costly C function in a loop",
     "function f() local kube = require('kube') local q = '9e99999' "
     "for i = 1, 1e6 do q = kube.resourceAdd(q, '1', q, q, q, q) end end",
     CallStatus::Timeout},
    // With a 16 MiB budget the Lua stack runs out of memory before Lua's own stack limit.
    {"unbounded recursion", "local function r(n) return 1 + r(n + 1) end function f() return r(1) end",
     CallStatus::Memory},
    {"table memory bomb", "function f() local t = {} local i = 0 while true do i = i + 1 t[i] = {i, i, i} end end",
     CallStatus::Memory},
    {"string memory bomb", "function f() local s = 'xxxxxxxx' while true do s = s .. s end end", CallStatus::Memory},
    {"table.concat memory bomb",
     "function f() local t = {} for i = 1, 1e7 do t[i] = 'abcdefghijklmnop' end return table.concat(t) end",
     CallStatus::Memory},
    {"memory error swallowed by pcall",
     "function f() while true do pcall(function() local t = {} for i = 1, 1e9 do t[i] = i end end) end end",
     CallStatus::Memory},
};

}  // namespace

TEST_CASE("hostile scripts stop within budget and the next call succeeds", "[budget]") {
  VmPool pool(1, 16u << 20);
  for (const auto& h : kHostile) {
    INFO(h.name);
    const auto start = steady_clock::now();
    {
      auto vm = pool.acquire();
      // A memory case must reach the 16 MiB budget before the deadline: allocating it takes
      // ~50 ms here, but over 200 ms on a 2-core machine shared with a parallel build.
      const auto deadline = h.expected == CallStatus::Memory ? milliseconds(1000) : milliseconds(200);
      auto r = run(*vm, h.script, json::array(), deadline);
      CHECK(r.outcome.status == h.expected);
      if (h.expected == CallStatus::Timeout)
        CHECK(r.outcome.message.find("context deadline exceeded") != std::string::npos);
    }
    CHECK(steady_clock::now() - start < milliseconds(1500));
    auto vm = pool.acquire();
    auto ok = run(*vm, "function f(x) return {x * 2, string.upper('ok')} end", json::array({21}));
    REQUIRE(ok.outcome.status == CallStatus::Ok);
    CHECK(ok.value == json::array({42, "OK"}));
  }
  CHECK(pool.stats().replaced > 0);
}

TEST_CASE("a state is replaced after a budget hit, never handed out spoiled", "[budget]") {
  VmPool pool(1, 16u << 20);
  {
    auto vm = pool.acquire();
    run(*vm, "function f() while true do end end", json::array(), milliseconds(20));
    CHECK(vm->spoiled());
  }
  auto vm = pool.acquire();
  CHECK_FALSE(vm->spoiled());
  CHECK(pool.stats().replaced == 1);
}

TEST_CASE("the deadline is configurable", "[budget]") {
  Vm vm(16u << 20);
  const auto start = steady_clock::now();
  auto r = run(vm, "function f() while true do end end", json::array(), milliseconds(30));
  const auto took = steady_clock::now() - start;
  CHECK(r.outcome.status == CallStatus::Timeout);
  CHECK(took >= milliseconds(30));
  CHECK(took < milliseconds(500));
}

TEST_CASE("conversion depth is limited", "[budget]") {
  Vm vm(64u << 20);
  json deep = json::array();
  for (int i = 0; i < 1000; ++i) deep = json::array({deep});
  auto r = run(vm, "function f(x) return 1 end", json::array({deep}));
  CHECK(r.outcome.status == CallStatus::Conversion);
  auto out = run(vm, "function f() local t = {} for i = 1, 1000 do t = {t} end return t end");
  CHECK(out.outcome.status == CallStatus::Conversion);
  CHECK(out.outcome.message.find("nested deeper") != std::string::npos);
}
