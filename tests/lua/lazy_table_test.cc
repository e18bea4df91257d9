// Lazy input tables (lua/lazy_table.h) against inputs converted whole: the same scripts over
// the same inputs must give the same bytes, the same status and the same error text.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lua/lazy_table.h"
#include "lua_test_support.h"

using cell0::lua::CallOutcome;
using cell0::lua::CallStatus;
using cell0::lua::go_json_dump;
using cell0::lua::push_json;
using cell0::lua::push_lazy_json;
using cell0::lua::to_json;
using cell0::lua::Vm;
using cell0::lua::testing::compile_or_throw;
using nlohmann::json;

namespace {

struct Answer {
  CallOutcome outcome;
  std::string bytes;  // the first result as Go's encoder writes it
};

// Runs f(args...) on a fresh state, the arguments pushed lazily or whole. Each argument is
// pushed on its own, so two arguments are two tables even when equal.
Answer answer(const std::string& source, const std::vector<json>& args, bool lazy, std::size_t memory = 64u << 20) {
  Vm vm(memory);
  auto script = compile_or_throw(source);
  Answer a;
  a.outcome = vm.call(
      *script, "f", 1,
      [&](lua_State* L) {
        for (const auto& v : args) {
          if (lazy) {
            push_lazy_json(L, v);
          } else {
            push_json(L, v);
          }
        }
        return static_cast<int>(args.size());
      },
      [&](lua_State* L, int first) { a.bytes = go_json_dump(to_json(L, first)); }, std::chrono::milliseconds(2000));
  return a;
}

void same_answer(const std::string& source, const std::vector<json>& args, std::size_t memory = 64u << 20) {
  INFO(source);
  const Answer full = answer(source, args, false, memory);
  const Answer lazy = answer(source, args, true, memory);
  INFO("full: " << static_cast<int>(full.outcome.status) << " " << full.outcome.message << " " << full.bytes);
  INFO("lazy: " << static_cast<int>(lazy.outcome.status) << " " << lazy.outcome.message << " " << lazy.bytes);
  CHECK(full.outcome.status == lazy.outcome.status);
  CHECK(full.outcome.message == lazy.outcome.message);
  CHECK(full.bytes == lazy.bytes);
}

const json& object() {
  static const json o = json::parse(R"({
    "apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet",
    "metadata": {"name": "sample", "namespace": "ns", "generation": 3,
                 "labels": {"app": "sample", "z": "last", "a.b/c": "x"},
                 "annotations": {"resourcetemplate.karmada.io/generation": "3"}},
    "spec": {"replicas": 4, "paused": false, "ratio": 0.25, "big": 9007199254740993,
             "selector": {"matchLabels": {"app": "sample"}},
             "template": {"metadata": {"labels": {"app": "sample"}},
                          "spec": {"containers": [{"name": "c", "image": "nginx",
                                                   "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                                                                 "limits": {"cpu": "1"}}}],
                                   "volumes": []}},
             "list": [3, null, 1, 2], "strings": ["b", "a", "c"], "holes": [null, null],
             "emptyObject": {}, "emptyArray": [], "onlyNulls": {"x": null}, "nullField": null,
             "nested": [[1, 2], [], {"k": [true, false]}],
             "1": "string key one", "unicodeKëy": "välue\u2028"},
    "status": {"observedGeneration": 3, "replicas": 4, "updatedReplicas": 4, "availableReplicas": 3,
               "conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]}
  })");
  return o;
}

}  // namespace

TEST_CASE("lazy inputs: scripts have no way to see a metatable or read a table raw", "[lazy]") {
  // What makes a shell indistinguishable from a converted table (lua/sandbox.cc).
  const Answer a = answer(
      "function f(o) local out = {type(debug), type(rawlen), type(newproxy) == 'function'} "
      "for _, name in ipairs({'getmetatable', 'setmetatable', 'rawget', 'rawset', 'rawequal', 'newproxy'}) do "
      "local ok = pcall(_G[name], o, 'spec', 1) out[#out + 1] = ok end return out end",
      {object()}, true);
  REQUIRE(a.outcome.status == CallStatus::Ok);
  CHECK(a.bytes == "[\"nil\",\"nil\",true,false,false,false,false,false,false]");
}

TEST_CASE("lazy inputs: returned untouched, partly read, partly written", "[lazy]") {
  const std::vector<json> args{object()};
  same_answer("function f(o) return o end", args);
  same_answer("function f(o) return o.spec end", args);
  same_answer("function f(o) local s = o.status.replicas; return o end", args);
  same_answer("function f(o) o.spec.replicas = 7; return o end", args);
  same_answer("function f(o) o.metadata.labels = nil; o.status = nil; return o end", args);
  same_answer("function f(o) o.spec.template.spec.containers[1].image = 'x'; return o end", args);
  same_answer("function f(o) o.extra = {a = o.spec.selector}; o.spec.selector = nil; return o end", args);
  same_answer(
      "function f(o) return {a = o.spec.emptyObject, b = o.spec.emptyArray, c = o.spec.onlyNulls, "
      "d = o.spec.holes, e = o.spec.nested} end",
      args);
  same_answer(
      "function f(o) return {o.spec.big, o.spec.ratio, o.spec['1'], o.spec['unicodeKëy'], "
      "o.spec.list[1.0], o.spec.list['1']} end",
      args);
}

TEST_CASE("lazy inputs: iteration order, next and ipairs", "[lazy]") {
  const std::vector<json> args{object()};
  const std::string walk =
      "local function walk(t) local out = {} for k, v in pairs(t) do "
      "if type(v) == 'table' then out[#out + 1] = tostring(k) .. ':{' .. walk(v) .. '}' "
      "else out[#out + 1] = tostring(k) .. '=' .. tostring(v) end end return table.concat(out, ',') end ";
  same_answer(walk + "function f(o) return {walk(o)} end", args);
  same_answer(walk +
                  "function f(o) o.spec.zzz = 1; o.spec.aaa = 2; o.spec.replicas = nil; "
                  "o.spec.replicas = 3; return {walk(o.spec)} end",
              args);
  same_answer(walk + "function f(o) o.metadata.name = nil; return {walk(o.metadata)} end", args);
  same_answer(walk + "function f(o) local x = o.status.replicas; o.status.new = true; return {walk(o.status)} end",
              args);
  same_answer(
      "function f(o) local k1, v1 = next(o) local k2 = next(o.spec, nil) local k3 = next(o.spec.emptyObject) "
      "return {k1, type(v1), k2, k3 == nil} end",
      args);
  same_answer(
      "function f(o) local out = {} for i, v in ipairs(o.spec.list) do out[#out + 1] = i * 10 + v end "
      "for i, c in ipairs(o.status.conditions) do out[#out + 1] = c.type end return out end",
      args);
  same_answer("function f(o) local step = ipairs({}) local i, v = step(o.spec.strings, 1) return {i, v} end", args);
  same_answer("function f(o) local n = 0 for k in pairs(o.spec.template.spec) do n = n + 1 end return {n} end", args);
}

TEST_CASE("lazy inputs: length and the table library", "[lazy]") {
  const std::vector<json> args{object()};
  same_answer(
      "function f(o) return {#o.spec.list, #o.spec.holes, #o.spec.emptyArray, #o.spec.emptyObject, "
      "table.getn(o.spec.strings), table.maxn(o.spec.list), select('#', unpack(o.spec.list)), #o.metadata} end",
      args);
  same_answer(
      "function f(o) table.insert(o.spec.list, 9) table.insert(o.spec.strings, 1, 'q') "
      "local r = table.remove(o.spec.list, 1) table.sort(o.spec.strings) "
      "return {r, table.concat(o.spec.list, ','), table.concat(o.spec.strings, ',')} end",
      args);
  same_answer("function f(o) return {unpack(o.spec.strings, 2, 3)} end", args);
  same_answer("function f(o) return {table.concat(o.spec.strings, '-', 1, 2)} end", args);
  same_answer("function f(o) table.move(o.spec.list, 1, 3, 2) return o.spec.list end", args);
  same_answer("function f(o) table.move({7, 8}, 1, 2, 1, o.spec.strings) return o.spec end", args);
  same_answer("function f(o) o.spec.list[10] = 1 return {#o.spec.list} end", args);
}

TEST_CASE("lazy inputs: identity, shadowing and nil assignment", "[lazy]") {
  const std::vector<json> args{object()};
  same_answer("function f(o) local a = o.spec; local b = o.spec; return {a == b, o.spec.template == a.template} end",
              args);
  same_answer("function f(o) local a = o.spec; o.spec = nil; return {a == o.spec, o.spec == nil, a.replicas} end",
              args);
  same_answer("function f(o) o.spec.replicas = nil; return {o.spec.replicas == nil, o.spec} end", args);
  same_answer("function f(o) local s = o.status; o.status = 5; o.status = s; return o end", args);
  same_answer("function f(o) local ok, e = pcall(error, o.spec) return {ok, e == o.spec} end", args);
  same_answer("function f(o) return {type(o.spec), type(o.spec.list), type(o.nothing)} end", args);
  same_answer("function f(o) o.metadata.labels.app = o.metadata.labels.app .. '-x' return o.metadata end", args);
}

TEST_CASE("lazy inputs: scripts that never iterate keep plain tables", "[lazy]") {
  const std::vector<json> args{object()};
  same_answer("function f(o) o.spec.x = 1; o.metadata = nil; return o end", args);
  same_answer("function f(o) local t = {} t.a = o.status.conditions t.b = o.spec.template return t end", args);
  same_answer("function f(o) return o.spec.template.spec.containers end", args);
}

TEST_CASE("lazy inputs: two arguments, errors of the encoder, kube", "[lazy]") {
  const std::vector<json> two{object(), object()};
  same_answer("function f(a, b) return {a == b, a.spec == b.spec} end", two);
  same_answer("function f(a, b) a.spec = b.spec; return a end", two);
  same_answer("function f(a, b) return {x = a.spec, y = a.spec} end", two);  // the same table twice
  same_answer("function f(a, b) a.self = a; return a end", two);
  same_answer("function f(a, b) a.spec.list[2] = nil; return a.spec.list end", two);     // sparse array
  same_answer("function f(a, b) a.spec.strings.k = 1; return a.spec.strings end", two);  // mixed keys
  same_answer("function f(a, b) a.spec.f = function() end; return a end", two);
  same_answer("local kube = require('kube') function f(o) return kube.accuratePodRequirements(o.spec.template) end",
              {object()});
  same_answer("local kube = require('kube') function f(o) return kube.getPodDependencies(o.spec.template, 'ns') end",
              {object()});
}

TEST_CASE("lazy inputs: nesting limit and memory budget", "[lazy]") {
  json deep = 1;
  for (int i = 0; i < 300; ++i) deep = json::object({{"a", deep}});
  same_answer("function f(o) return {1} end", {deep});
  json limit = 1;
  for (int i = 0; i < 255; ++i) limit = json::object({{"a", limit}});
  same_answer("function f(o) return o end", {limit});
  same_answer("function f(o) return {x = o} end", {limit});  // one level too deep for the encoder
  same_answer("function f(o) local t = {} for i = 1, 1e9 do t[i] = {o.spec.template} end return t end", {object()},
              8u << 20);
  // A budget that the whole object exceeds but what the script reads does not: converting whole
  // fails, the lazy call succeeds (only what a script reads counts).
  json big = json::object();
  for (int i = 0; i < 20000; ++i) big["k" + std::to_string(i)] = std::string(64, 'x');
  const json doc = {{"small", {{"k", "v"}}}, {"big", big}};
  const std::string read = "function f(o) return {o.small.k} end";
  CHECK(answer(read, {doc}, false, 2u << 20).outcome.status == CallStatus::Memory);
  const Answer lazy = answer(read, {doc}, true, 2u << 20);
  CHECK(lazy.outcome.status == CallStatus::Ok);
  CHECK(lazy.bytes == R"(["v"])");
  // Reading it all counts it all.
  CHECK(answer("function f(o) for k, v in pairs(o.big) do end return {} end", {doc}, true, 2u << 20).outcome.status ==
        CallStatus::Memory);
}

TEST_CASE("tables used as maps, then given integer keys, measure as in gopher-lua", "[lazy]") {
  // gopher-lua's # is the highest integer key 1 <= k < 2^26 holding a value. Objects from JSON,
  // and `{}` tables whose first key is a name, take new keys without a call in scripts blind to
  // key order (ordered_table.h, keyed); their length must follow the rule all the same.
  const std::vector<json> args{object()};
  const struct {
    const char* source;
    const char* bytes;
  } cases[] = {
      {"function f(o) o.spec[3] = 'c' o.spec[1] = 'a' return {#o.spec, #o.metadata} end", "[3,0]"},
      {"function f(o) local t = {} t.name = 'x' t[2] = 'b' local n = #t "
       "for i = 1, 5 do t[#t + 1] = i end return {n, #t, t[7]} end",
       "[2,7,5]"},
      {"function f(o) o.status.extra = 1 o.status[2] = true o.status[2] = nil return {#o.status} end", "[0]"},
      {"function f(o) o.spec[2] = 'b' local n = 0 for _ in pairs(o.metadata) do n = n + 1 end "
       "return {#o.spec, n} end",
       "[2,5]"},
  };
  for (const auto& c : cases) {
    for (bool lazy : {false, true}) {
      INFO(c.source << (lazy ? " (lazy)" : " (whole)"));
      const Answer a = answer(c.source, args, lazy);
      CHECK(a.outcome.status == CallStatus::Ok);
      CHECK(a.bytes == c.bytes);
    }
  }
}
