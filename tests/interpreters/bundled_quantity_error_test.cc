// The bundled MongoDB customization turns a value that is not a Kubernetes quantity (seed 002's own
// example `cpu: 5c`) into an error that names the field and shows what a quantity looks like,
// instead of Karmada's bare parse error. The conformance format has no error cases, so this is here.
#include <catch2/catch.hpp>

#include <filesystem>

#include "interpreters/engine.h"
#include "interpreters/registry.h"

using cell0::interp::Engine;
using cell0::interp::InterpretRequest;
using cell0::interp::Operation;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

cell0::common::Result<cell0::interp::InterpretResult> replicas_of(const json& spec) {
  auto registry = cell0::interp::load_registry(
      {fs::path(CELL0_SOURCE_DIR) /
       "interpreters/customizations/mongo.daocloud.io/v1alpha1/MongoDB/customizations.yaml"});
  REQUIRE(registry.ok());
  Engine engine;
  engine.set_registry(*registry);
  InterpretRequest r;
  r.operation = Operation::InterpretReplica;
  r.object = {{"apiVersion", "mongo.daocloud.io/v1alpha1"},
              {"kind", "MongoDB"},
              {"metadata", {{"name", "orders-cellx-a"}, {"namespace", "mcamel"}}},
              {"spec", spec}};
  return engine.interpret(r);
}

}  // namespace

TEST_CASE("MongoDB: cpu 5c is refused with the field and the quantity forms", "[bundled]") {
  auto r = replicas_of({{"replicas", 3}, {"limits", {{"cpu", "5c"}, {"memory", "8Gi"}}}});
  REQUIRE_FALSE(r.ok());
  const std::string& m = r.error().message;
  INFO(m);
  CHECK_THAT(m, Catch::Contains("spec.limits.cpu: \"5c\" is not a Kubernetes quantity"));
  CHECK_THAT(m, Catch::Contains("500m"));
  CHECK_THAT(m, Catch::Contains("2Gi"));
}

TEST_CASE("MongoDB: the first bad value is named, requests before limits", "[bundled]") {
  auto r = replicas_of({{"requests", {{"memory", "8GB"}}}, {"limits", {{"cpu", "5c"}}}});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("spec.requests.memory: \"8GB\""));
}

TEST_CASE("MongoDB: valid quantities, numbers included, still give the requirements", "[bundled]") {
  auto r =
      replicas_of({{"replicas", 3}, {"requests", {{"cpu", 5}, {"memory", "8Gi"}}}, {"limits", {{"cpu", "5500m"}}}});
  REQUIRE(r.ok());
  CHECK(r->replicas == 3);
  CHECK(r->requirements["resourceRequest"]["cpu"] == "5");
  CHECK(r->requirements["resourceRequest"]["memory"] == "8Gi");
}
