// The eight operations through the engine: argument shapes, result rules, merge rules, errors
// (reference §2.4, §6).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "interpreters/engine.h"
#include "interpreters/registry.h"
#include "lua/json_lua.h"

using cell0::common::ErrorKind;
using cell0::interp::Engine;
using cell0::interp::InterpretRequest;
using cell0::interp::Operation;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A customization document for Foo with the given rules ({rule, script}...).
std::string customization(const std::string& name, const std::vector<std::pair<std::string, std::string>>& rules) {
  std::string y =
      "apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\nmetadata:\n  name: " + name +
      "\nspec:\n  target:\n    apiVersion: example.io/v1\n    kind: Foo\n  customizations:\n";
  for (const auto& [rule, script] : rules) {
    y += "    " + rule + ":\n      luaScript: |\n";
    std::size_t start = 0;
    while (start < script.size()) {
      auto end = script.find('\n', start);
      if (end == std::string::npos) end = script.size();
      y += "        " + script.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  return y;
}

class Fixture {
 public:
  explicit Fixture(const std::vector<std::string>& docs) {
    dir_ =
        fs::temp_directory_path() / ("cell0-engine-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    int i = 0;
    for (const auto& d : docs) std::ofstream(dir_ / ("c" + std::to_string(i++) + ".yaml")) << d;
    auto reg = cell0::interp::load_registry({dir_});
    if (!reg) FAIL(reg.error().message);
    engine_.set_registry(*reg);
  }
  ~Fixture() { fs::remove_all(dir_); }
  Engine& engine() { return engine_; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  Engine engine_;
};

const json kFoo = json::parse(R"({"apiVersion":"example.io/v1","kind":"Foo","metadata":{"name":"a","namespace":"ns"},
  "spec":{"replicas":2,"template":{"metadata":{},"spec":{"nodeSelector":{"foo":"foo1"},
  "tolerations":[{"key":"bar","operator":"Exists"}],"serviceAccountName":"test",
  "containers":[{"name":"a","resources":{"limits":{"cpu":"100m","memory":"100M"}}},
                {"name":"b","resources":{"limits":{"cpu":"1.2","memory":"1.2G"}}}]}}},
  "status":{"readyReplicas":1}})");

InterpretRequest request(Operation op, json obj = kFoo) {
  InterpretRequest r;
  r.operation = op;
  r.object = std::move(obj);
  return r;
}

}  // namespace

TEST_CASE("InterpretReplica with accuratePodRequirements (§6.1)", "[engine]") {
  Fixture f({customization("c", {{"replicaResource", R"(local kube = require("kube")
function GetReplicas(obj)
  return obj.spec.replicas, kube.accuratePodRequirements(obj.spec.template)
end)"}})});
  auto r = f.engine().interpret(request(Operation::InterpretReplica));
  REQUIRE(r.ok());
  CHECK(r->replicas == 2);
  CHECK(r->requirements == json::parse(R"({"nodeClaim":{"nodeSelector":{"foo":"foo1"},
    "tolerations":[{"key":"bar","operator":"Exists"}]},"resourceRequest":{"cpu":"1300m","memory":"1300M"}})"));
}

TEST_CASE("InterpretReplica result rules", "[engine]") {
  auto replicas_of = [](const std::string& expr) {
    Fixture f({customization("c", {{"replicaResource", "function GetReplicas(obj)\n  return " + expr + "\nend"}})});
    return f.engine().interpret(request(Operation::InterpretReplica));
  };
  CHECK(replicas_of("3.9")->replicas == 3);
  CHECK(replicas_of("-3.9")->replicas == -3);
  CHECK(replicas_of("2^40")->replicas == INT32_MIN);
  CHECK(replicas_of("3, nil")->requirements.is_null());
  auto s = replicas_of("'3'");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("result type 3 is not number") != std::string::npos);
  auto bad_req = replicas_of("1, 'x'");
  REQUIRE_FALSE(bad_req.ok());
  CHECK(bad_req.error().message.find("expect the returned requires type is table but got string") != std::string::npos);
  auto number_quantity = replicas_of("1, {resourceRequest = {memory = 2684354560, cpu = 0.5}}");
  REQUIRE(number_quantity.ok());
  CHECK(number_quantity->requirements == json::parse(R"({"resourceRequest":{"cpu":"500m","memory":"2684354560"}})"));
}

TEST_CASE("InterpretComponent (§6.2)", "[engine]") {
  Fixture f({customization("c", {{"componentResource", R"(local kube = require("kube")
function GetComponents(obj)
  local t = obj.spec.template
  return {
    {name = "main", replicas = obj.spec.replicas,
     replicaRequirements = kube.accuratePodRequirements({replicas = 1, spec = t.spec})},
    {name = "bare", replicas = 1},
  }
end)"}})});
  auto r = f.engine().interpret(request(Operation::InterpretComponent));
  REQUIRE(r.ok());
  REQUIRE(r->components.size() == 2);
  CHECK(r->components[0]["replicaRequirements"]["resourceRequest"]["cpu"] == "1300m");
  CHECK(r->components[1] == json::parse(R"({"name":"bare","replicas":1})"));

  Fixture nil_components({customization("c", {{"componentResource", "function GetComponents(obj) return nil end"}})});
  auto none = nil_components.engine().interpret(request(Operation::InterpretComponent));
  REQUIRE(none.ok());
  CHECK(none->components.empty());

  for (const char* body :
       {"return 'x'", "return {{name = 'a', replicas = 2.5}}", "return {{name = 'a', replicas = '3'}}"}) {
    INFO(body);
    Fixture bad(
        {customization("c", {{"componentResource", std::string("function GetComponents(obj) ") + body + " end"}})});
    auto e = bad.engine().interpret(request(Operation::InterpretComponent));
    CHECK_FALSE(e.ok());
  }
}

TEST_CASE("ReviseReplica and Retain (§6.3)", "[engine]") {
  Fixture f({customization("c", {{"replicaRevision", R"(function ReviseReplica(obj, desiredReplica)
  obj.spec.replicas = desiredReplica
  return obj
end)"},
                                 {"retention", R"(function Retain(desiredObj, observedObj)
  desiredObj = observedObj
  return desiredObj
end)"}})});
  auto rev = request(Operation::ReviseReplica);
  rev.replicas = 3;
  auto r = f.engine().interpret(rev);
  REQUIRE(r.ok());
  CHECK(r->object["spec"]["replicas"] == 3);
  CHECK(r->object["spec"]["template"]["metadata"] == json::object());  // {} kept: the input has it

  auto ret = request(Operation::Retain);
  ret.observed = json::parse(R"({"apiVersion":"example.io/v1","kind":"Foo","spec":{"paused":true,"sel":{}}})");
  auto kept = f.engine().interpret(ret);
  REQUIRE(kept.ok());
  CHECK(kept->object == ret.observed);
}

TEST_CASE("ReflectStatus keeps Karmada's raw bytes (§6.4)", "[engine]") {
  auto status_of = [](const std::string& body) {
    Fixture f({customization("c", {{"statusReflection", "function ReflectStatus(obj)\n  " + body + "\nend"}})});
    return f.engine().interpret(request(Operation::InterpretStatus));
  };
  CHECK(status_of("return {key = 'value'}")->raw_status == R"({"key":"value"})");
  CHECK(status_of("return {}")->raw_status == "{}");
  CHECK(status_of("return {b = 1, a = {x = {}, y = 0.5}}")->raw_status == R"({"a":{"y":0.5},"b":1})");
  auto nil_status = status_of("return nil");
  REQUIRE_FALSE(nil_status.ok());
  CHECK(nil_status.error().message.find("expect the returned replica type is table but got nil") != std::string::npos);
}

TEST_CASE("InterpretHealth (§6.5)", "[engine]") {
  auto health_of = [](const std::string& body) {
    Fixture f({customization("c", {{"healthInterpretation", "function InterpretHealth(obj)\n  " + body + "\nend"}})});
    return f.engine().interpret(request(Operation::InterpretHealth));
  };
  CHECK(health_of("return obj.status.readyReplicas == 1")->healthy);
  CHECK_FALSE(health_of("return false")->healthy);
  auto nil_health = health_of("return nil");
  REQUIRE_FALSE(nil_health.ok());
  CHECK(nil_health.error().message.find("result type 0 is not bool") != std::string::npos);
}

TEST_CASE("AggregateStatus (§6.6)", "[engine]") {
  Fixture f({customization("c", {{"statusAggregation", R"(function AggregateStatus(desiredObj, statusItems)
  if statusItems == nil then return desiredObj end
  local ready = 0
  for i = 1, #statusItems do
    if statusItems[i].status ~= nil then ready = ready + statusItems[i].status.readyReplicas end
  end
  desiredObj.status = {readyReplicas = ready, clusters = #statusItems, params = {}}
  return desiredObj
end)"}})});
  auto req = request(Operation::AggregateStatus);
  req.status_items = json::parse(R"([{"clusterName":"a","status":{"readyReplicas":1},"applied":true,"health":"Healthy"},
    {"clusterName":"b","status":{"readyReplicas":1}},{"clusterName":"c","status":{"readyReplicas":1},"extra":1},
    {"clusterName":"d","status":null,"applied":false}])");
  auto r = f.engine().interpret(req);
  REQUIRE(r.ok());
  CHECK(r->object["status"] == json::parse(R"({"readyReplicas":3,"clusters":4})"));  // params {} vanished
  auto none = request(Operation::AggregateStatus);
  auto r2 = f.engine().interpret(none);
  REQUIRE(r2.ok());
  json expected = kFoo;  // AggregateStatus has no reference objects: the empty metadata goes
  expected["spec"]["template"].erase("metadata");
  CHECK(r2->object == expected);
}

TEST_CASE("InterpretDependency merges every customization (§6.7, §6.11)", "[engine]") {
  Fixture f({customization("b-second", {{"dependencyInterpretation", R"(local kube = require("kube")
function GetDependencies(obj)
  return kube.getPodDependencies(obj.spec.template, obj.metadata.namespace)
end)"}}),
             customization("a-first", {{"dependencyInterpretation", R"(function GetDependencies(obj)
  return {{apiVersion = "v1", kind = "ConfigMap", namespace = "ns", name = "cm"},
          {apiVersion = "v1", kind = "ServiceAccount", namespace = "ns", name = "test"}}
end)"}})});
  auto r = f.engine().interpret(request(Operation::InterpretDependency));
  REQUIRE(r.ok());
  CHECK(r->dependencies == json::parse(R"([{"apiVersion":"v1","kind":"ConfigMap","name":"cm","namespace":"ns"},
    {"apiVersion":"v1","kind":"ServiceAccount","name":"test","namespace":"ns"}])"));
  Fixture bad(
      {customization("c", {{"dependencyInterpretation", "function GetDependencies(obj) return {{kind = 'X'}} end"}})});
  CHECK_FALSE(bad.engine().interpret(request(Operation::InterpretDependency)).ok());
}

TEST_CASE("the first customization by name wins a rule (§6.11)", "[engine]") {
  Fixture f({customization("zz", {{"healthInterpretation", "function InterpretHealth(obj) return false end"}}),
             customization("aa", {{"healthInterpretation", "function InterpretHealth(obj) return true end"},
                                  {"statusReflection", ""}}),
             customization("mm", {{"statusReflection", "function ReflectStatus(obj) return {by = 'mm'} end"}})});
  CHECK(f.engine().interpret(request(Operation::InterpretHealth))->healthy);
  CHECK(f.engine().interpret(request(Operation::InterpretStatus))->raw_status == R"({"by":"mm"})");
  CHECK(f.engine().has_hook_for_test("example.io/v1", "Foo", Operation::InterpretStatus));
  CHECK_FALSE(f.engine().has_hook_for_test("example.io/v1", "Foo", Operation::Retain));
}

TEST_CASE("errors carry a kind and name the customization", "[engine]") {
  Fixture f({customization("c", {{"healthInterpretation", "function InterpretHealth(obj)\n  return obj.nope.x\nend"},
                                 {"statusReflection", "function Other(obj) return {} end"},
                                 {"replicaResource", "function GetReplicas(obj) while true do end end"}})});
  auto unknown = f.engine().interpret(request(Operation::InterpretHealth, json{{"apiVersion", "v1"}, {"kind", "Pod"}}));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::NoHook);
  auto runtime = f.engine().interpret(request(Operation::InterpretHealth));
  REQUIRE_FALSE(runtime.ok());
  CHECK(runtime.error().kind == ErrorKind::Runtime);
  CHECK(runtime.error().message.find("c/healthInterpretation:2: attempt to index a nil value") != std::string::npos);
  auto missing = f.engine().interpret(request(Operation::InterpretStatus));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("not found function ReflectStatus") != std::string::npos);
  auto timeout = f.engine().interpret(request(Operation::InterpretReplica));
  REQUIRE_FALSE(timeout.ok());
  CHECK(timeout.error().kind == ErrorKind::Timeout);
  CHECK(f.engine().stats().timeouts == 1);
  // The engine still answers.
  CHECK_FALSE(f.engine().interpret(request(Operation::InterpretHealth)).ok());
}
