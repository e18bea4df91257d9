// The §1.5 examples end to end: a Workload customization loaded with load_registry, the real
// Engine, the codec, and (once) the HTTPS server.
#include <fstream>

#include <catch2/catch.hpp>

#include "reference_examples.h"

#include "common/base64.h"
#include "interpreters/engine.h"
#include "tests/webhook/test_server.h"
#include "webhook/interpreter_endpoint.h"

using namespace cell0::webhook;
using cell0::testing::TempDir;
using cell0::testing::TestServer;
using nlohmann::json;
namespace interp = cell0::interp;

namespace {

// Lua rules behaving like Karmada's example webhook (reference §1.4).
constexpr const char* kWorkloadCustomization = R"(apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: workload
spec:
  target:
    apiVersion: workload.example.io/v1alpha1
    kind: Workload
  customizations:
    replicaResource:
      luaScript: |
        function GetReplicas(obj)
          return obj.spec.replicas, {nodeClaim = {nodeSelector = {disk = "ssd"}},
                                     resourceRequest = {cpu = "500m", memory = "512Mi"}}
        end
    componentResource:
      luaScript: |
        function GetComponents(obj)
          return {{name = "main", replicas = obj.spec.replicas}}
        end
    replicaRevision:
      luaScript: |
        function ReviseReplica(obj, desiredReplica)
          obj.spec.replicas = desiredReplica
          return obj
        end
    retention:
      luaScript: |
        function Retain(desiredObj, observedObj)
          desiredObj.spec.paused = observedObj.spec.paused
          return desiredObj
        end
    statusAggregation:
      luaScript: |
        function AggregateStatus(desiredObj, statusItems)
          local ready = 0
          for i = 1, #statusItems do
            local s = statusItems[i].status
            if s ~= nil and s.readyReplicas ~= nil then ready = ready + s.readyReplicas end
          end
          desiredObj.status = {readyReplicas = ready}
          return desiredObj
        end
    statusReflection:
      luaScript: |
        function ReflectStatus(obj)
          return {readyReplicas = obj.status.readyReplicas}
        end
    healthInterpretation:
      luaScript: |
        function InterpretHealth(obj)
          return obj.status.readyReplicas == obj.spec.replicas
        end
    dependencyInterpretation:
      luaScript: |
        function GetDependencies(obj)
          local c = obj.spec.template.spec.containers[1]
          return {{apiVersion = "v1", kind = "ConfigMap", namespace = obj.metadata.namespace,
                   name = c.envFrom[1].configMapRef.name}}
        end
    )";

using cell0::testing::review;
using cell0::testing::workload;

class WorkloadEngine {
 public:
  WorkloadEngine() {
    std::ofstream(dir_.path() / "workload.yaml") << kWorkloadCustomization;
    auto registry = interp::load_registry({dir_.path()});
    if (!registry) FAIL(registry.error().message);
    engine_.set_registry(*registry);
  }
  const interp::Engine& engine() const { return engine_; }
  json answer(const json& request) const {
    const JsonEndpoint endpoint = interpreter_endpoint(engine_);
    const JsonReply reply = endpoint.handle(request);
    CHECK(reply.http_status == 200);
    return json::parse(reply.body)["response"];
  }

 private:
  TempDir dir_;
  interp::Engine engine_;
};

}  // namespace

TEST_CASE("§1.5 through the engine: InterpretReplica and InterpretComponent", "[engine]") {
  WorkloadEngine e;
  const json replica = e.answer(review("u1", "InterpretReplica", workload()));
  CHECK(replica["successful"] == true);
  CHECK(replica["replicas"] == 3);
  CHECK(replica["replicaRequirements"]["nodeClaim"]["nodeSelector"] == json{{"disk", "ssd"}});
  CHECK(replica["replicaRequirements"]["resourceRequest"] == json{{"cpu", "500m"}, {"memory", "512Mi"}});
  CHECK(e.answer(review("u2", "InterpretComponent", workload())) ==
        json::parse(
            R"({"uid":"u2","successful":true,"status":{"code":200},"components":[{"name":"main","replicas":3}]})"));
}

TEST_CASE("§1.5 through the engine: ReviseReplica, Retain, AggregateStatus patches", "[engine]") {
  WorkloadEngine e;
  json one = workload();
  one["spec"]["replicas"] = 1;
  CHECK(e.answer(review("u3", "ReviseReplica", one, 3)) == json::parse(R"({"uid":"u3","successful":true,
    "status":{"code":200},"patchType":"JSONPatch","patch":"W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9zcGVjL3JlcGxpY2FzIiwidmFsdWUiOjN9XQ=="})"));
  // Already at the target: no patch at all.
  CHECK(e.answer(review("u3b", "ReviseReplica", workload(), 3)) ==
        json::parse(R"({"uid":"u3b","successful":true,"status":{"code":200}})"));

  json retain = review("u4", "Retain", workload());
  retain["request"]["observedObject"] = json::parse(R"({"apiVersion":"workload.example.io/v1alpha1","kind":"Workload",
    "metadata":{"name":"nginx","namespace":"default"},"spec":{"replicas":3,"paused":true}})");
  CHECK(e.answer(retain)["patch"] == "W3sib3AiOiJhZGQiLCJwYXRoIjoiL3NwZWMvcGF1c2VkIiwidmFsdWUiOnRydWV9XQ==");

  json no_status = workload();
  no_status.erase("status");
  json aggregate = review("u5", "AggregateStatus", no_status);
  aggregate["request"]["aggregatedStatus"] = json::parse(
      R"([{"clusterName":"member1","status":{"readyReplicas":2},"applied":true,"health":"Healthy"},
          {"clusterName":"member2","status":{"readyReplicas":1},"applied":true,"health":"Unhealthy"}])");
  const json aggregated = e.answer(aggregate);
  CHECK(aggregated["patchType"] == "JSONPatch");
  CHECK(json::parse(*cell0::common::base64_decode(aggregated["patch"].get<std::string>())) ==
        json::parse(R"([{"op":"add","path":"/status","value":{"readyReplicas":3}}])"));
}

TEST_CASE("§1.5 through the engine: InterpretStatus, InterpretHealth, InterpretDependency", "[engine]") {
  WorkloadEngine e;
  CHECK(e.answer(review("u6", "InterpretStatus", workload())) ==
        json::parse(R"({"uid":"u6","successful":true,"status":{"code":200},"rawStatus":{"readyReplicas":1}})"));
  CHECK(e.answer(review("u7", "InterpretHealth", workload())) ==
        json::parse(R"({"uid":"u7","successful":true,"status":{"code":200},"healthy":false})"));
  CHECK(e.answer(review("u8", "InterpretDependency", workload())) ==
        json::parse(R"({"uid":"u8","successful":true,"status":{"code":200},
          "dependencies":[{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"cm-a"}]})"));
}

TEST_CASE("through the engine: an unknown kind and a failing script are successful:false", "[engine]") {
  WorkloadEngine e;
  json other = workload();
  other["kind"] = "Other";
  const json no_hook = e.answer(review("u9", "InterpretHealth", other));
  CHECK(no_hook["successful"] == false);
  CHECK(no_hook["status"]["code"] == 404);
  CHECK(no_hook["status"]["message"].get<std::string>().rfind("NoHook: ", 0) == 0);

  json broken = workload();
  broken["spec"]["template"]["spec"]["containers"] = json::array();  // containers[1] is nil
  const json runtime = e.answer(review("u10", "InterpretDependency", broken));
  CHECK(runtime["successful"] == false);
  CHECK(runtime["status"]["code"] == 500);
  CHECK(runtime["uid"] == "u10");
}

TEST_CASE("through the engine over HTTPS", "[engine]") {
  WorkloadEngine e;
  TestServer server(interpreter_endpoint(e.engine()));
  auto cli = server.client();
  auto res = cli->Post("/interpreter", review("h1", "InterpretHealth", workload()).dump(), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["response"] ==
        json::parse(R"({"uid":"h1","successful":true,"status":{"code":200},"healthy":false})"));
}
