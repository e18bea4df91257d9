// Karmada's third-party conformance suite (reference §4) over HTTPS: every case becomes a
// ResourceInterpreterContext sent to a real server, the answer is turned back into an
// InterpretResult (patches applied to the request object) and compared with the helpers the
// `test` command uses.
#include <sstream>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/base64.h"
#include "interpreters/conformance.h"
#include "tests/support/clock_mask.h"
#include "tests/webhook/test_server.h"
#include "webhook/interpreter_endpoint.h"

using namespace cell0::webhook;
using cell0::testing::TestServer;
using nlohmann::json;
namespace common = cell0::common;
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
  return metadata.is_object() && metadata.contains(key) && metadata[key].is_string() ? metadata[key].get<std::string>()
                                                                                     : "";
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
common::Result<interp::InterpretResult> from_response(const json& sent, const json& response) {
  if (response.value("successful", false) != true) {
    return common::Error{common::ErrorKind::Runtime, response.value("status", json::object()).dump()};
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

// Every case is sent by kClients connections at once to a server with as many workers and Lua
// states, so the answers come from different pooled states; they must be byte-identical (pairs
// order, `#`, number text do not depend on the state) and match the expected outputs.
TEST_CASE("Karmada's third-party conformance suite passes over HTTPS, the same answer from every pooled state",
          "[conformance]") {
  const std::filesystem::path root = std::filesystem::path(CELL0_SHARED_DIR) / "conformance" / "karmada-thirdparty";
  if (!std::filesystem::exists(root)) {
    WARN("no conformance suite at " << root);
    return;
  }
  constexpr std::size_t kClients = 16;
  interp::EngineOptions engine_options;
  engine_options.pool_size = kClients;
  interp::Engine engine(engine_options);
  cell0::testing::TestServerOptions server_options;
  server_options.threads = kClients;
  TestServer server(interpreter_endpoint(engine), server_options);

  std::size_t passed = 0;
  std::size_t cases = 0;
  std::ostringstream failures;
  const auto suites = interp::discover_suites({root});
  REQUIRE(suites.ok());
  REQUIRE_FALSE(suites->empty());
  for (const auto& suite : *suites) {
    auto registry = interp::load_registry({suite.customizations});
    REQUIRE(registry.ok());
    engine.set_registry(*registry);
    std::vector<interp::ConformanceCase> suite_cases;
    std::vector<json> sent;
    for (const auto& file : suite.testdata) {
      auto file_cases = interp::load_cases(file);
      INFO(file.string());
      REQUIRE(file_cases.ok());
      for (auto& c : *file_cases) {
        auto request = interp::case_request(c);
        REQUIRE(request.ok());
        sent.push_back(to_review("c" + std::to_string(++cases), *request));
        suite_cases.push_back(std::move(c));
      }
    }
    // answers[client][case]: the body, or an error text when the call failed.
    std::vector<std::vector<std::string>> answers(kClients, std::vector<std::string>(sent.size()));
    std::vector<std::thread> clients;
    for (std::size_t k = 0; k < kClients; ++k) {
      clients.emplace_back([&, k] {
        auto cli = server.client();
        cli->set_keep_alive(true);
        for (std::size_t i = 0; i < sent.size(); ++i) {
          auto res = cli->Post("/interpreter", sent[i].dump(), "application/json");
          answers[k][i] = !res                 ? "no answer: " + httplib::to_string(res.error())
                          : res->status != 200 ? "HTTP " + std::to_string(res->status) + ": " + res->body
                                               : res->body;
        }
      });
    }
    for (auto& t : clients) t.join();
    for (std::size_t i = 0; i < sent.size(); ++i) {
      const auto& c = suite_cases[i];
      const std::string where = c.file + " \"" + c.name + "\"";
      // Each client's answer as the outputs a Karmada caller reconstructs from it, clock masked.
      std::vector<std::string> outputs(kClients);
      std::string error;
      for (std::size_t k = 0; k < kClients && error.empty(); ++k) {
        const json reply = json::parse(answers[k][i], nullptr, false);
        if (reply.is_discarded() || !reply.contains("response")) {
          error = answers[k][i];
          break;
        }
        CHECK(reply["response"]["uid"] == sent[i]["request"]["uid"]);
        auto result = from_response(sent[i], reply["response"]);
        if (!result) {
          error = result.error().message;
          break;
        }
        outputs[k] = cell0::testing::mask_clock(interp::case_outputs(c.operation, *result).dump());
        if (k == 0) {
          const auto problems = interp::compare_outputs(c.output, interp::case_outputs(c.operation, *result));
          for (const auto& p : problems) error += "\n    " + p;
        }
      }
      if (error.empty()) {
        for (std::size_t k = 1; k < kClients; ++k) {
          if (outputs[k] != outputs[0])
            error = "answers differ between pooled states:\n    " + outputs[0] + "\n    " + outputs[k];
        }
      }
      if (error.empty()) {
        ++passed;
      } else {
        failures << where << ": " << error << "\n";
      }
    }
  }
  INFO(failures.str());
  CHECK(failures.str().empty());
  CHECK(passed == cases);
  CHECK(passed > 400);
}
