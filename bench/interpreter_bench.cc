// In-process cost of interpreter operations, split into conversion and Lua, and compared with a
// mode that loads the script text on every call as Karmada's declarative interpreter does.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "interpreters/conformance.h"
#include "interpreters/engine.h"
#include "interpreters/registry.h"
#include "lua/empty_tables.h"
#include "lua/json_lua.h"
#include "lua/vm.h"

namespace {

namespace interp = cell0::interp;
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
  for (const auto& suite : interp::discover_suites({dir})) {
    for (const auto& file : suite.testdata) {
      for (const auto& c : interp::load_cases(file)) {
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
  static const Resource r = load(fs::path(CELL0_SOURCE_DIR) / "interpreters/customizations/workload.example.io/v1alpha1/Workload");
  return r;
}

interp::Engine& engine(const Resource& r, bool cache) {
  static std::map<std::pair<const Resource*, bool>, std::unique_ptr<interp::Engine>> engines;
  auto& e = engines[{&r, cache}];
  if (!e) {
    interp::EngineOptions o;
    o.pool_size = 1;
    o.cache_scripts = cache;
    e = std::make_unique<interp::Engine>(o);
    e->set_registry(r.registry);
  }
  return *e;
}

void run_op(benchmark::State& state, const Resource& r, interp::Operation op, bool cache) {
  auto& e = engine(r, cache);
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

void BM_InterpretHealth_CloneSet(benchmark::State& s) { run_op(s, cloneset(), interp::Operation::InterpretHealth, true); }
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

void BM_AggregateStatus_CloneSet(benchmark::State& state) {
  auto& e = engine(cloneset(), true);
  const auto req = aggregate_request(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto result = e.interpret(req);
    if (!result) state.SkipWithError(result.error().message.c_str());
    benchmark::DoNotOptimize(result);
  }
  state.SetComplexityN(state.range(0));
}

// The conversion share of a call: JSON into a Lua state and the result back out, with no script.
void conversion(benchmark::State& state, const json& object, const json& items) {
  cell0::lua::Vm vm(64u << 20);
  std::string error;
  auto script = cell0::lua::Script::compile("function F(o, i) return o end", "bench", &error);
  for (auto _ : state) {
    json out;
    vm.call(
        *script, "F", 1,
        [&](lua_State* L) {
          cell0::lua::push_json(L, object);
          cell0::lua::push_json(L, items);
          return 2;
        },
        [&](lua_State* L, int first) {
          out = cell0::lua::repair_empty_tables(cell0::lua::to_json(L, first), {&object}, cell0::lua::RepairTarget::Object);
        },
        std::chrono::seconds(1));
    benchmark::DoNotOptimize(out);
  }
}

void BM_Conversion_CloneSet(benchmark::State& s) {
  conversion(s, cloneset().requests.at(interp::Operation::InterpretHealth).object, nullptr);
}
void BM_Conversion_AggregateStatus(benchmark::State& s) {
  const auto req = aggregate_request(static_cast<std::size_t>(s.range(0)));
  conversion(s, req.object, req.status_items);
  s.SetComplexityN(s.range(0));
}

}  // namespace

BENCHMARK(BM_InterpretHealth_CloneSet);
BENCHMARK(BM_InterpretHealth_CloneSet_Reparse);
BENCHMARK(BM_InterpretReplica_CloneSet);
BENCHMARK(BM_InterpretReplica_CloneSet_Reparse);
BENCHMARK(BM_ReflectStatus_CloneSet);
BENCHMARK(BM_ReflectStatus_CloneSet_Reparse);
BENCHMARK(BM_Retain_Workload);
BENCHMARK(BM_Retain_Workload_Reparse);
BENCHMARK(BM_GetComponents_Workload);
BENCHMARK(BM_GetComponents_Workload_Reparse);
BENCHMARK(BM_AggregateStatus_CloneSet)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Complexity(benchmark::oN);
BENCHMARK(BM_Conversion_CloneSet);
BENCHMARK(BM_Conversion_AggregateStatus)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Complexity(benchmark::oN);

BENCHMARK_MAIN();
