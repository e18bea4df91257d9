// `cell0-webhook review` as a user runs it, over the golden admission cases (tests/policies/golden):
// each case's object, stored object, policy, cluster inventory (as a List of Cluster objects),
// namespace cache (a List of Namespace objects) and subresource go in as files and flags; the printed AdmissionReview,
// the resulting object, the exit status and the warnings must say what the case expects.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/yaml_json.h"
#include "tests/certs/temp_dir.h"
#include "tests/policies/golden_case.h"

namespace cell0::testing {
namespace {

using nlohmann::json;

std::string write(const TempDir& dir, const std::string& name, const json& value) {
  const auto path = dir.path() / name;
  std::ofstream(path) << common::to_yaml(value);
  return path.string();
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("golden admission cases through `review`", "[cli][review][golden]") {
  int checked = 0;
  for (const auto& c : load_golden_cases()) {
    const json& expect = c.doc.at("expect");
    // review runs /mutate then /validate on CREATE and UPDATE; the stage-only and DELETE cases
    // belong to the chain's own test.
    if (expect.contains("policyError") || c.stage != "review" || c.input.object.is_null()) continue;
    INFO(c.name << ": " << c.doc.value("description", ""));
    TempDir dir;
    std::string args = " review -f " + write(dir, "object.yaml", c.input.object) + " --operation " + c.operation;
    if (c.input.old_object.is_object()) args += " --old-file " + write(dir, "old.yaml", c.input.old_object);
    if (c.doc.contains("policy")) args += " --policy " + write(dir, "policy.yaml", c.doc["policy"]);
    if (c.doc.contains("clusters")) {
      args += " --clusters " +
              write(dir, "clusters.yaml", {{"apiVersion", "v1"}, {"kind", "List"}, {"items", c.doc["clusters"]}});
    }
    if (c.doc.contains("namespaces")) {  // the namespace cache, as the Namespace objects it would list
      json items = json::array();
      for (const auto& [name, annotations] : c.doc["namespaces"].items()) {
        items.push_back({{"apiVersion", "v1"},
                         {"kind", "Namespace"},
                         {"metadata", {{"name", name}, {"annotations", annotations}}}});
      }
      args +=
          " --namespaces " + write(dir, "namespaces.yaml", {{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}});
    }
    if (!c.input.sub_resource.empty()) args += " --subresource " + c.input.sub_resource;
    const auto out = dir.path() / "out.yaml";
    const auto err = dir.path() / "err.txt";
    const int rc = std::system((std::string(CELL0_BINARY) + args + " >" + out.string() + " 2>" + err.string()).c_str());
    INFO("stderr: " << read(err));
    REQUIRE(WIFEXITED(rc));
    const bool allowed = expect.at("allowed").get<bool>();
    CHECK(WEXITSTATUS(rc) == (allowed ? 0 : 1));

    const auto parsed = common::parse_yaml_documents(read(out));
    REQUIRE(parsed.ok());
    const std::vector<json>& docs = *parsed;
    REQUIRE_FALSE(docs.empty());
    const json& response = docs.front().at("response");
    REQUIRE(response.at("allowed") == allowed);
    if (allowed) {
      const json wanted = expect.value("unchanged", false) ? c.input.object : expect.at("object");
      CHECK(docs.back() == wanted);
    } else {
      CHECK(contains_text(response["status"]["message"].get<std::string>(), expect.at("denial").get<std::string>()));
      if (expect.contains("code")) CHECK(response["status"]["code"] == expect["code"]);
    }
    const json warnings = response.value("warnings", json::array());
    const json wanted_warnings = expect.value("warnings", json::array());
    REQUIRE(warnings.size() == wanted_warnings.size());
    for (std::size_t i = 0; i < warnings.size(); ++i) {
      CHECK(contains_text(warnings[i].get<std::string>(), wanted_warnings[i].get<std::string>()));
    }
    const json audit = expect.value("audit", json::object());
    const json annotations = response.value("auditAnnotations", json::object());
    for (const auto& [rule, text] : audit.items()) {
      INFO("audit " << rule);
      CHECK(contains_text(annotations.value(rule, ""), text.get<std::string>()));
    }
    ++checked;
  }
  CHECK(checked >= 40);
}

}  // namespace
}  // namespace cell0::testing
