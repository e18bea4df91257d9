// The AnyDoorGateway CRD accepts the examples and the objects our AggregateStatus rule writes.
#include <catch2/catch.hpp>

#include <filesystem>

#include "common/yaml_json.h"
#include "interpreters/engine.h"
#include "interpreters/registry.h"
#include "tests/support/schema_validator.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kSource = CELL0_SOURCE_DIR;
const fs::path kCrd = kSource / "deploy/crds/anydoor.ccos.io_anydoorgateways.yaml";

std::string joined(const std::vector<std::string>& errors) {
  std::string s;
  for (const auto& e : errors) s += e + "\n";
  return s;
}

}  // namespace

TEST_CASE("the AnyDoorGateway CRD accepts the examples", "[crd]") {
  const json schema = cell0::testing::load_crd_schema(kCrd);
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "examples/anydoor")) {
    const auto docs = cell0::common::load_yaml_file(entry.path());
    REQUIRE(docs.ok());
    for (const auto& doc : *docs) {
      if (doc.value("kind", "") != "AnyDoorGateway") continue;
      INFO(entry.path().string());
      CHECK(joined(cell0::testing::schema_errors(doc, schema)).empty());
      ++checked;
    }
  }
  CHECK(checked >= 2);
}

TEST_CASE("the AnyDoorGateway CRD refuses a misspelt field", "[crd]") {
  const json schema = cell0::testing::load_crd_schema(kCrd);
  json doc = cell0::common::load_yaml_file(kSource / "examples/anydoor/egress-gateway.yaml").value().at(0);
  doc["spec"]["replicaz"] = 2;
  CHECK_FALSE(cell0::testing::schema_errors(doc, schema).empty());
}

TEST_CASE("AnyDoorGateway status written by AggregateStatus fits the CRD", "[crd]") {
  const json schema = cell0::testing::load_crd_schema(kCrd);
  auto registry = cell0::interp::load_registry({kSource / "interpreters/customizations/anydoor.ccos.io"});
  REQUIRE(registry.ok());
  cell0::interp::Engine engine;
  engine.set_registry(*registry);
  cell0::interp::InterpretRequest req;
  req.operation = cell0::interp::Operation::AggregateStatus;
  req.object = cell0::common::load_yaml_file(kSource / "examples/anydoor/egress-gateway.yaml").value().at(0);
  req.object.erase("status");
  req.status_items = json::parse(R"([
    {"clusterName":"cellx-a","applied":true,"health":"Healthy","status":{"readyReplicas":1,"replicas":1,
     "endpoints":[{"address":"10.0.0.1","port":443}]}},
    {"clusterName":"cellx-b","applied":true,"health":"Unhealthy","status":{"readyReplicas":0,"replicas":1}}])");
  auto result = engine.interpret(req);
  REQUIRE(result.ok());
  INFO(result->object.dump());
  CHECK(joined(cell0::testing::schema_errors(result->object, schema)).empty());
}
