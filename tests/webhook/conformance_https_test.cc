// Karmada's third-party conformance suite (reference §4) over HTTPS: every case becomes a
// ResourceInterpreterContext sent to a real server, the answer is turned back into an
// InterpretResult (patches applied to the request object) and compared with the helpers the
// `test` command uses.
#include <sstream>

#include <catch2/catch.hpp>

#include "interpreters/conformance.h"
#include "tests/webhook/test_server.h"
#include "common/base64.h"
#include "webhook/interpreter_endpoint.h"

using namespace cell0::webhook;
using cell0::testing::TestServer;
using nlohmann::json;
namespace interp = cell0::interp;

namespace {

json group_version_kind(const json& object) {
  const std::string api_version = object.value("apiVersion", "");
  const auto slash = api_version.find('/');
  return {{"group", slash == std::string::npos ? "" : api_version.substr(0, slash)},
          {"version", slash == std::string::npos ? api_version : api_version.substr(slash + 1)},
          {"kind", object.value("kind", "")}};
}

std::string metadata_field(const json& object, const char* key) {
  const json metadata = object.value("metadata", json::object());
  return metadata.is_object() && metadata.contains(key) && metadata[key].is_string() ? metadata[key].get<std::string>() : "";
}

json to_review(const std::string& uid, const interp::InterpretRequest& r) {
  const json& object = r.object.is_null() ? r.observed : r.object;
  json request = {{"uid", uid},
                  {"kind", group_version_kind(object)},
                  {"name", metadata_field(object, "name")},
                  {"operation", interp::operation_name(r.operation)},
                  {"object", object},
                  {"replicas", r.operation == interp::Operation::ReviseReplica ? r.replicas : 0}};
  if (const std::string ns = metadata_field(object, "namespace"); !ns.empty()) request["namespace"] = ns;
  if (r.operation == interp::Operation::Retain) request["observedObject"] = r.observed;
  // Karmada omits an empty list on the wire (omitempty), and an absent list reaches the rules as
  // nil; a case with `statusItems: []` expects an empty table, so the list is sent as it is.
  if (r.status_items.is_array()) request["aggregatedStatus"] = r.status_items;
  return {{"apiVersion", "config.karmada.io/v1alpha1"}, {"kind", "ResourceInterpreterContext"}, {"request", request}};
}

// The InterpretResult a Karmada caller would reconstruct from the response.
interp::Result<interp::InterpretResult> from_response(const json& sent, const json& response) {
  if (response.value("successful", false) != true) {
    return interp::Error{interp::ErrorKind::Runtime, response.value("status", json::object()).dump()};
  }
  interp::InterpretResult r;
  const json& object = sent["request"]["object"];
  switch (*interp::parse_operation(sent["request"]["operation"].get<std::string>())) {
    case interp::Operation::InterpretReplica:
      r.replicas = response.at("replicas").get<std::int32_t>();
      r.requirements = response.value("replicaRequirements", json());
      break;
    case interp::Operation::InterpretComponent:
      r.components = response.value("components", json::array());
      break;
    case interp::Operation::ReviseReplica:
    case interp::Operation::Retain:
    case interp::Operation::AggregateStatus:
      r.object = object;
      if (response.contains("patch")) {
        REQUIRE(response["patchType"] == "JSONPatch");
        r.object = object.patch(json::parse(*cell0::common::base64_decode(response["patch"].get<std::string>())));
      } else {
        REQUIRE_FALSE(response.contains("patchType"));
      }
      break;
    case interp::Operation::InterpretStatus:
      r.raw_status = response.at("rawStatus").dump();
      break;
    case interp::Operation::InterpretHealth:
      r.healthy = response.at("healthy").get<bool>();
      break;
    case interp::Operation::InterpretDependency:
      r.dependencies = response.value("dependencies", json::array());
      break;
  }
  return r;
}

}  // namespace

TEST_CASE("Karmada's third-party conformance suite passes over HTTPS", "[conformance]") {
  const std::filesystem::path root = std::filesystem::path(CELL0_SHARED_DIR) / "conformance" / "karmada-thirdparty";
  if (!std::filesystem::exists(root)) {
    WARN("no conformance suite at " << root);
    return;
  }
  interp::Engine engine;
  TestServer server(interpreter_endpoint(engine));
  auto cli = server.client();
  cli->set_keep_alive(true);

  std::size_t passed = 0;
  std::size_t uid = 0;
  std::ostringstream failures;
  const auto suites = interp::discover_suites({root});
  REQUIRE_FALSE(suites.empty());
  for (const auto& suite : suites) {
    auto registry = interp::load_registry({suite.customizations});
    REQUIRE(registry.ok());
    engine.set_registry(*registry);
    for (const auto& file : suite.testdata) {
      for (const auto& c : interp::load_cases(file)) {
        const std::string where = c.file + " \"" + c.name + "\"";
        auto request = interp::case_request(c);
        REQUIRE(request.ok());
        const json sent = to_review("c" + std::to_string(++uid), *request);
        auto res = cli->Post("/interpreter", sent.dump(), "application/json");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        INFO(where << "\n" << res->body);
        const json response = json::parse(res->body)["response"];
        CHECK(response["uid"] == sent["request"]["uid"]);
        auto result = from_response(sent, response);
        if (!result) {
          failures << where << ": " << result.error().message << "\n";
          continue;
        }
        const auto problems = interp::compare_outputs(c.output, interp::case_outputs(c.operation, *result));
        if (problems.empty()) {
          ++passed;
        } else {
          failures << where << ":";
          for (const auto& p : problems) failures << "\n    " << p;
          failures << "\n";
        }
      }
    }
  }
  INFO(failures.str());
  CHECK(failures.str().empty());
  CHECK(passed == uid);
  CHECK(passed > 400);
}
