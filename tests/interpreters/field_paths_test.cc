// Every field a bundled KubeBlocks rule reads or writes exists in KubeBlocks' own CRD for that
// API version (../shared/reference/kubeblocks-cluster-fields.txt). The rules run on a sample
// object holding every field of the table (twice: booleans true/false, enums at both ends), with
// tables that record each access; each recorded path is then looked up in the table.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "common/yaml_json.h"
#include "field_table.h"
#include "field_walk.h"

using cell0::test::FieldTable;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, FieldTable>& tables() {
  static const auto t =
      cell0::test::load_field_tables(std::string(CELL0_SHARED_DIR) + "/reference/kubeblocks-cluster-fields.txt");
  return t;
}

struct Report {
  std::set<std::string> unknown;  // "read .spec.x (GetReplicas)"
  std::set<std::string> opaque;   // below an object the table lists nothing under
  std::size_t known = 0;
};

bool outside_table(const std::vector<std::string>& segments) {
  // The table describes spec and status; metadata, apiVersion and kind are the object's envelope.
  return segments.empty() || segments[0] == "metadata" || segments[0] == "apiVersion" || segments[0] == "kind";
}

void check_rule(const FieldTable& table, const std::string& script, const std::string& function, Report& report) {
  for (int variant = 0; variant < 2; ++variant) {
    for (const auto& access : cell0::test::walk_fields(script, function, table.sample(variant))) {
      if (outside_table(access.segments)) continue;
      const auto c = table.check(access.segments);
      const std::string what = std::string(access.write ? "write " : "read ") + c.path + " (" + function + ")";
      if (c.verdict == FieldTable::Verdict::Known) {
        ++report.known;
      } else if (c.verdict == FieldTable::Verdict::Opaque) {
        report.opaque.insert(what);
      } else {
        report.unknown.insert(what);
      }
    }
  }
}

Report check_script(const std::string& version, const std::string& function, const std::string& script) {
  Report r;
  check_rule(tables().at(version), script, function, r);
  return r;
}

}  // namespace

TEST_CASE("the field table has both KubeBlocks versions", "[field-paths]") {
  REQUIRE(tables().count("v1") == 1);
  REQUIRE(tables().count("v1alpha1") == 1);
  CHECK(tables().at("v1").types.count(".spec.componentSpecs[].schedulingPolicy.tolerations") == 1);
  CHECK(tables().at("v1").types.count(".spec.componentSpecs[].tolerations") == 0);
  CHECK(tables().at("v1alpha1").types.count(".status.components.<key>.podsReady") == 1);
  CHECK(tables().at("v1").types.count(".status.components.<key>.podsReady") == 0);
  const json sample = tables().at("v1").sample(0);
  CHECK(sample["spec"]["componentSpecs"][0]["instances"][0]["replicas"] == 1);
  CHECK(sample["status"]["components"]["k"]["phase"] == "Running");
  CHECK(tables().at("v1").sample(1)["status"]["components"]["k"]["phase"] == "Failed");
}

TEST_CASE("the walk reports a field the table does not have", "[field-paths]") {
  SECTION("a read of a v1alpha1-only status field, on v1") {
    const std::string script =
        "function InterpretHealth(o)\n"
        "  for _, c in pairs(o.status.components) do\n"
        "    if c.podsReady ~= true then return false end\n"
        "  end\n"
        "  return true\n"
        "end\n";
    auto v1 = check_script("v1", "InterpretHealth", script);
    CHECK(v1.unknown == std::set<std::string>{"read .status.components.<key>.podsReady (InterpretHealth)"});
    CHECK(v1.known >= 2);
    CHECK(check_script("v1alpha1", "InterpretHealth", script).unknown.empty());
  }
  SECTION("a write, and a legacy scheduling field read on v1") {
    const std::string script =
        "function AggregateStatus(o, items)\n"
        "  local t = o.spec.tolerations\n"
        "  o.status = {phase = 'Running', components = {mysql = {phase = 'Running', podsReady = true}}}\n"
        "  return o\n"
        "end\n";
    auto v1 = check_script("v1", "AggregateStatus", script);
    CHECK(v1.unknown == std::set<std::string>{"read .spec.tolerations (AggregateStatus)",
                                              "write .status.components.<key>.podsReady (AggregateStatus)"});
    CHECK(check_script("v1alpha1", "AggregateStatus", script).unknown.empty());
  }
  SECTION("a field under a map and an array element") {
    auto r = check_script("v1", "GetReplicas",
                          "function GetReplicas(o)\n"
                          "  return o.spec.componentSpecs[1].instances[1].podsReady, nil\n"
                          "end\n");
    CHECK(r.unknown == std::set<std::string>{"read .spec.componentSpecs[].instances[].podsReady (GetReplicas)"});
  }
  SECTION("below an object the table does not expand, a path is opaque, not unknown") {
    auto r = check_script("v1", "GetDependencies",
                          "function GetDependencies(o)\n"
                          "  return {o.spec.componentSpecs[1].systemAccounts[1].secretRef.name}\n"
                          "end\n");
    CHECK(r.unknown.empty());
    CHECK(r.opaque ==
          std::set<std::string>{"read .spec.componentSpecs[].systemAccounts[].secretRef.name (GetDependencies)"});
  }
}

TEST_CASE("every bundled KubeBlocks rule uses only fields of its version", "[field-paths]") {
  const fs::path root = fs::path(CELL0_SOURCE_DIR) / "interpreters/customizations/apps.kubeblocks.io";
  std::set<std::string> versions;
  for (const auto& dir : fs::directory_iterator(root)) {
    const fs::path file = dir.path() / "Cluster/customizations.yaml";
    if (!fs::exists(file)) continue;
    const auto docs = cell0::common::load_yaml_file(file);
    REQUIRE(docs.ok());
    for (const auto& doc : *docs) {
      const std::string api = doc["spec"]["target"]["apiVersion"].get<std::string>();
      const std::string version = api.substr(api.find('/') + 1);
      REQUIRE(tables().count(version) == 1);
      versions.insert(version);
      Report report;
      for (const auto& [rule, body] : doc["spec"]["customizations"].items()) {
        const std::string function = cell0::test::rule_function(rule);
        REQUIRE_FALSE(function.empty());
        INFO(file.string() << " " << rule);
        check_rule(tables().at(version), body["luaScript"].get<std::string>(), function, report);
      }
      std::string unknown;
      for (const auto& u : report.unknown) unknown += "\n  " + u;
      std::string opaque;
      for (const auto& o : report.opaque) opaque += "\n  " + o;
      INFO(file.string() << ": fields not in the " << version << " table:" << unknown);
      CHECK(report.unknown.empty());
      // The walk must have seen the rules at work, or an empty report would prove nothing.
      CHECK(report.known > 50);
      if (!report.opaque.empty()) WARN(file.string() << ": below objects the table does not expand:" << opaque);
    }
  }
  CHECK(versions == std::set<std::string>{"v1", "v1alpha1"});
}
