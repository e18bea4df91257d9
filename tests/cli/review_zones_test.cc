// `review -f pod.yaml` (and deployment.yaml / statefulset.yaml) runs the zone rules offline: every
// golden case of tests/policies/golden on a Pod, Deployment or StatefulSet through the binary,
// checked against the case's expected decision, object and warnings. A case's `namespaces:` go to
// --namespaces as Namespace objects (what serve's namespace cache would hold).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "common/yaml_json.h"
#include "tests/policies/golden_case.h"

namespace cell0::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool zone_case(const GoldenCase& c) {
  const json& obj = c.input.object.is_object() ? c.input.object : c.input.old_object;
  const std::string kind = obj.is_object() ? obj.value("kind", "") : "";
  return (kind == "Pod" || kind == "Deployment" || kind == "StatefulSet") && c.stage == "review" &&
         !c.doc.at("expect").contains("policyError");
}

struct ReviewRun {
  int status = -1;
  std::vector<json> documents;  // the response, the decoded patch (when any), the resulting object
  std::string errors;
};

ReviewRun run_review(const GoldenCase& c, const fs::path& dir) {
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const json& doc) {
    std::ofstream(dir / name) << common::to_yaml(doc);
    return (dir / name).string();
  };
  std::string cmd = std::string(CELL0_BINARY) + " review";
  if (c.input.operation == policies::Operation::Update) {
    cmd += " -f " + write("object.yaml", c.input.object) + " --old-file " + write("old.yaml", c.input.old_object);
  } else {
    cmd += " -f " + write("object.yaml", c.input.object);
  }
  if (c.doc.contains("policy")) cmd += " --policy " + write("policy.yaml", c.doc["policy"]);
  if (c.doc.contains("namespaces")) {
    json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
    for (const auto& [name, annotations] : c.doc["namespaces"].items()) {
      list["items"].push_back(
          {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}, {"annotations", annotations}}}});
    }
    cmd += " --namespaces " + write("namespaces.yaml", list);
  }
  cmd += " >" + (dir / "out.yaml").string() + " 2>" + (dir / "err.txt").string();
  const int rc = std::system(cmd.c_str());
  ReviewRun run;
  run.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  std::ifstream err(dir / "err.txt");
  run.errors.assign(std::istreambuf_iterator<char>(err), {});
  run.documents = common::load_yaml_file(dir / "out.yaml").value();
  return run;
}

TEST_CASE("review -f runs the zone golden cases offline", "[cli][zones]") {
  const fs::path dir = fs::temp_directory_path() / ("cell0-review-zones-" + std::to_string(::getpid()));
  int checked = 0;
  for (const auto& c : load_golden_cases()) {
    if (!zone_case(c)) continue;
    DYNAMIC_SECTION(c.name) {
      const json& expect = c.doc.at("expect");
      const ReviewRun run = run_review(c, dir / c.name);
      INFO("stderr: " << run.errors);
      const bool allowed = expect.at("allowed").get<bool>();
      CHECK(run.status == (allowed ? 0 : 1));
      REQUIRE_FALSE(run.documents.empty());
      const json& response = run.documents.front().at("response");
      REQUIRE(response.at("allowed") == allowed);
      if (allowed) {
        const json wanted = expect.value("unchanged", false) ? c.input.object : expect.at("object");
        REQUIRE(run.documents.size() >= 2);
        INFO("got:\n" << common::to_yaml(run.documents.back()));
        CHECK(run.documents.back() == wanted);
        CHECK(response.contains("patch") == (wanted != c.input.object));
      } else {
        CHECK(contains_text(response.at("status").at("message").get<std::string>(),
                            expect.at("denial").get<std::string>()));
      }
      const json wanted_warnings = expect.value("warnings", json::array());
      const json warnings = response.value("warnings", json::array());
      REQUIRE(warnings.size() == wanted_warnings.size());
      for (std::size_t i = 0; i < warnings.size(); ++i) {
        CHECK(contains_text(warnings[i].get<std::string>(), wanted_warnings[i].get<std::string>()));
        CHECK(contains_text(run.errors, "Warning: " + warnings[i].get<std::string>()));
      }
    }
    ++checked;
  }
  fs::remove_all(dir);
  CHECK(checked >= 20);
}

TEST_CASE("review --namespaces: examples/zones, a namespace opted in by annotation", "[cli][zones]") {
  const std::string examples = std::string(CELL0_SOURCE_DIR) + "/examples/zones/";
  const std::string review = std::string(CELL0_BINARY) + " review -f " + examples + "tenant-pod.yaml";
  const int without = std::system((review + " >/dev/null 2>&1").c_str());
  const int with = std::system((review + " --namespaces " + examples + "namespaces.yaml >/dev/null 2>&1").c_str());
  CHECK(WEXITSTATUS(without) == 0);  // tenant-shop matches no glob: admitted unchanged
  CHECK(WEXITSTATUS(with) == 1);     // opted in: its key-less Exists toleration is denied
  const int bad = std::system((review + " --namespaces " + examples + "tenant-pod.yaml >/dev/null 2>&1").c_str());
  CHECK(WEXITSTATUS(bad) == 2);  // not Namespace objects
}

}  // namespace
}  // namespace cell0::testing
