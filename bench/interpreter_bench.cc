// In-process cost of interpreter operations, split into conversion and Lua, and compared with a
// mode that loads the script text on every call as Karmada's declarative interpreter does, and
// (the _Full variants) with input objects converted whole before the call instead of lazily.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "interpreters/conformance.h"
#include "interpreters/engine.h"
#include "interpreters/registry.h"
#include "lua/empty_tables.h"
#include "lua/json_lua.h"
#include "lua/vm.h"

namespace {

namespace interp = cell0::interp;
namespace lua = cell0::lua;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kThirdParty = fs::path(CELL0_SHARED_DIR) / "conformance/karmada-thirdparty";

// The first case of each operation for one resource, as the benchmark input.
struct Resource {
  std::shared_ptr<const interp::Registry> registry;
  std::map<interp::Operation, interp::InterpretRequest> requests;
};

Resource load(const fs::path& dir) {
  Resource r;
  auto reg = interp::load_registry({dir / "customizations.yaml"});
  if (!reg) throw std::runtime_error(reg.error().message);
  r.registry = *reg;
  const auto suites = interp::discover_suites({dir});
  if (!suites) throw std::runtime_error(suites.error().message);
  for (const auto& suite : *suites) {
    for (const auto& file : suite.testdata) {
      const auto cases = interp::load_cases(file);
      if (!cases) throw std::runtime_error(cases.error().message);
      for (const auto& c : *cases) {
        if (r.requests.count(c.operation)) continue;
        auto req = interp::case_request(c);
        if (req) r.requests.emplace(c.operation, *req);
      }
    }
  }
  return r;
}

const Resource& cloneset() {
  static const Resource r = load(kThirdParty / "apps.kruise.io/v1alpha1/CloneSet");
  return r;
}

const Resource& workload() {
  static const Resource r =
      load(fs::path(CELL0_SOURCE_DIR) / "interpreters/customizations/workload.example.io/v1alpha1/Workload");
  return r;
}

// Rules that build tables of their own and iterate them with pairs (the cost of tracking key
// order the way gopher-lua does): UnitedDeployment collects the latest condition per type in a map,
// HelmRelease collects its dependencies in three sets.
const Resource& united_deployment() {
  static const Resource r = load(kThirdParty / "apps.kruise.io/v1alpha1/UnitedDeployment");
  return r;
}

const Resource& helm_release() {
  static const Resource r = load(kThirdParty / "helm.toolkit.fluxcd.io/v2beta1/HelmRelease");
  return r;
}

interp::Engine& engine(const Resource& r, bool cache, bool lazy = true) {
  static std::map<std::tuple<const Resource*, bool, bool>, std::unique_ptr<interp::Engine>> engines;
  auto& e = engines[{&r, cache, lazy}];
  if (!e) {
    interp::EngineOptions o;
    o.pool_size = 1;
    o.cache_scripts = cache;
    o.lazy_inputs = lazy;
    e = std::make_unique<interp::Engine>(o);
    e->set_registry(r.registry);
  }
  return *e;
}

void run_op(benchmark::State& state, const Resource& r, interp::Operation op, bool cache, bool lazy = true) {
  auto& e = engine(r, cache, lazy);
  const auto& req = r.requests.at(op);
  for (auto _ : state) {
    auto result = e.interpret(req);
    if (!result) state.SkipWithError(result.error().message.c_str());
    benchmark::DoNotOptimize(result);
  }
}

interp::InterpretRequest aggregate_request(std::size_t items) {
  auto req = cloneset().requests.at(interp::Operation::AggregateStatus);
  const json item = req.status_items.at(0);
  req.status_items = json::array();
  for (std::size_t i = 0; i < items; ++i) {
    json it = item;
    it["clusterName"] = "member-" + std::to_string(i);
    req.status_items.push_back(std::move(it));
  }
  return req;
}

void BM_InterpretHealth_CloneSet(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretHealth, true);
}
void BM_InterpretHealth_CloneSet_Reparse(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretHealth, false);
}
void BM_InterpretReplica_CloneSet(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretReplica, true);
}
void BM_InterpretReplica_CloneSet_Reparse(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretReplica, false);
}
void BM_ReflectStatus_CloneSet(benchmark::State& s) { run_op(s, cloneset(), interp::Operation::InterpretStatus, true); }
void BM_ReflectStatus_CloneSet_Reparse(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretStatus, false);
}
void BM_Retain_Workload(benchmark::State& s) { run_op(s, workload(), interp::Operation::Retain, true); }
void BM_Retain_Workload_Reparse(benchmark::State& s) { run_op(s, workload(), interp::Operation::Retain, false); }
void BM_GetComponents_Workload(benchmark::State& s) {
  run_op(s, workload(), interp::Operation::InterpretComponent, true);
}
void BM_GetComponents_Workload_Reparse(benchmark::State& s) {
  run_op(s, workload(), interp::Operation::InterpretComponent, false);
}

void BM_AggregateStatus_UnitedDeployment_IterOwn(benchmark::State& s) {
  run_op(s, united_deployment(), interp::Operation::AggregateStatus, true);
}
void BM_InterpretDependency_HelmRelease_IterOwn(benchmark::State& s) {
  run_op(s, helm_release(), interp::Operation::InterpretDependency, true);
}
void BM_InterpretHealth_CloneSet_Full(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretHealth, true, false);
}
void BM_InterpretReplica_CloneSet_Full(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretReplica, true, false);
}
void BM_ReflectStatus_CloneSet_Full(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::InterpretStatus, true, false);
}
void BM_ReviseReplica_CloneSet(benchmark::State& s) { run_op(s, cloneset(), interp::Operation::ReviseReplica, true); }
void BM_ReviseReplica_CloneSet_Full(benchmark::State& s) {
  run_op(s, cloneset(), interp::Operation::ReviseReplica, true, false);
}
void BM_Retain_Workload_Full(benchmark::State& s) { run_op(s, workload(), interp::Operation::Retain, true, false); }
void BM_GetComponents_Workload_Full(benchmark::State& s) {
  run_op(s, workload(), interp::Operation::InterpretComponent, true, false);
}

void aggregate(benchmark::State& state, bool lazy) {
  auto& e = engine(cloneset(), true, lazy);
  const auto req = aggregate_request(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto result = e.interpret(req);
    if (!result) state.SkipWithError(result.error().message.c_str());
    benchmark::DoNotOptimize(result);
  }
  state.SetComplexityN(state.range(0));
}
void BM_AggregateStatus_CloneSet(benchmark::State& s) { aggregate(s, true); }
void BM_AggregateStatus_CloneSet_Full(benchmark::State& s) { aggregate(s, false); }

// The conversion share of a call: the operation's arguments pushed into a Lua state (JSON ->
// Lua) and its result encoded back (Lua -> JSON, with the empty-table repair the engine does).
// The result table is the one the real rule returns, built once outside the timed loop. The Lua
// share of a call is its total minus this.
struct ConversionInput {
  std::vector<const json*> args;
  std::vector<const json*> refs;  // what the engine repairs empty tables against
  json result;                    // null: the rule returns a scalar (InterpretHealth), nothing to encode
  lua::RepairTarget target = lua::RepairTarget::Object;
};

void conversion(benchmark::State& state, const ConversionInput& in) {
  std::unique_ptr<lua_State, void (*)(lua_State*)> owner(luaL_newstate(), lua_close);
  lua_State* L = owner.get();
  const bool has_result = !in.result.is_null();
  if (has_result) lua::push_json(L, in.result);  // stays at index 1
  const int base = lua_gettop(L);
  for (auto _ : state) {
    for (const json* a : in.args) lua::push_json(L, *a);
    lua_settop(L, base);
    if (has_result) {
      json out = lua::repair_empty_tables(lua::to_json(L, 1), in.refs, in.target);
      benchmark::DoNotOptimize(out);
    }
  }
}

// The result of one real call, as the JSON the rule returned.
json result_json(const Resource& r, const interp::InterpretRequest& req) {
  auto result = engine(r, true).interpret(req);
  if (!result) throw std::runtime_error(result.error().message);
  switch (req.operation) {
    case interp::Operation::InterpretReplica:
      return result->requirements;
    case interp::Operation::InterpretComponent:
      return result->components;
    case interp::Operation::InterpretStatus:
      return json::parse(result->raw_status);
    case interp::Operation::InterpretHealth:
      return nullptr;
    default:
      return result->object;
  }
}

void run_conversion(benchmark::State& state, const Resource& r, interp::Operation op) {
  const auto& req = r.requests.at(op);
  ConversionInput in;
  in.args.push_back(&req.object);
  if (op == interp::Operation::Retain) {
    in.args.push_back(&req.observed);
    in.refs = in.args;
  }
  in.result = result_json(r, req);
  if (op == interp::Operation::InterpretComponent) in.target = lua::RepairTarget::List;
  conversion(state, in);
}

void BM_Conversion_InterpretHealth_CloneSet(benchmark::State& s) {
  run_conversion(s, cloneset(), interp::Operation::InterpretHealth);
}
void BM_Conversion_InterpretReplica_CloneSet(benchmark::State& s) {
  run_conversion(s, cloneset(), interp::Operation::InterpretReplica);
}
void BM_Conversion_ReflectStatus_CloneSet(benchmark::State& s) {
  run_conversion(s, cloneset(), interp::Operation::InterpretStatus);
}
void BM_Conversion_Retain_Workload(benchmark::State& s) { run_conversion(s, workload(), interp::Operation::Retain); }
void BM_Conversion_GetComponents_Workload(benchmark::State& s) {
  run_conversion(s, workload(), interp::Operation::InterpretComponent);
}
void BM_Conversion_AggregateStatus_CloneSet(benchmark::State& s) {
  const auto req = aggregate_request(static_cast<std::size_t>(s.range(0)));
  ConversionInput in;
  in.args = {&req.object, &req.status_items};
  in.result = result_json(cloneset(), req);
  conversion(s, in);
  s.SetComplexityN(s.range(0));
}

}  // namespace

BENCHMARK(BM_InterpretHealth_CloneSet);
BENCHMARK(BM_InterpretHealth_CloneSet_Full);
BENCHMARK(BM_InterpretHealth_CloneSet_Reparse);
BENCHMARK(BM_InterpretReplica_CloneSet);
BENCHMARK(BM_InterpretReplica_CloneSet_Full);
BENCHMARK(BM_InterpretReplica_CloneSet_Reparse);
BENCHMARK(BM_ReflectStatus_CloneSet);
BENCHMARK(BM_ReflectStatus_CloneSet_Full);
BENCHMARK(BM_ReflectStatus_CloneSet_Reparse);
BENCHMARK(BM_ReviseReplica_CloneSet);
BENCHMARK(BM_ReviseReplica_CloneSet_Full);
BENCHMARK(BM_Retain_Workload);
BENCHMARK(BM_Retain_Workload_Full);
BENCHMARK(BM_Retain_Workload_Reparse);
BENCHMARK(BM_GetComponents_Workload);
BENCHMARK(BM_GetComponents_Workload_Full);
BENCHMARK(BM_GetComponents_Workload_Reparse);
BENCHMARK(BM_AggregateStatus_UnitedDeployment_IterOwn);
BENCHMARK(BM_InterpretDependency_HelmRelease_IterOwn);
BENCHMARK(BM_AggregateStatus_CloneSet)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Complexity(benchmark::oN);
BENCHMARK(BM_AggregateStatus_CloneSet_Full)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Complexity(benchmark::oN);
BENCHMARK(BM_Conversion_InterpretHealth_CloneSet);
BENCHMARK(BM_Conversion_InterpretReplica_CloneSet);
BENCHMARK(BM_Conversion_ReflectStatus_CloneSet);
BENCHMARK(BM_Conversion_Retain_Workload);
BENCHMARK(BM_Conversion_GetComponents_Workload);
BENCHMARK(BM_Conversion_AggregateStatus_CloneSet)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Complexity(benchmark::oN);

BENCHMARK_MAIN();
