// Where the replicas land: each case of scheduling/ runs the webhook's review (the Clusters first
// through the Cluster rule, as the taint reconciler keeps them; then the policy, with or without
// the inventory) and the test-side model of Karmada's scheduler (scheduler_model.h) on the
// admitted placement. Format:
//   description: ...
//   policy: {...}          optional WebhookPolicy
//   inventory: true        whether the webhook sees the Clusters (default true)
//   replicas: 4
//   clusters: [{object: Cluster, available: 100}, ...]
//   object: PropagationPolicy / ClusterPropagationPolicy
//   expect:
//     allowed: true
//     denial: text                 (allowed: false)
//     warnings: [text, ...]        a part of each, in order; omitted: none
//     replicas: {cluster: n}       where Karmada puts them; or `error: text`
//     zones: n                     the number of zones holding replicas
// Every case also checks: the placement passes Karmada's validation and the CRD schema, and a
// divided scenario lands in >= 2 zones whenever >= 2 zones hold feasible clusters and replicas
// >= 2, or carries a warning.
#include <catch2/catch.hpp>

#include <set>

#include "common/yaml_json.h"
#include "policies/admission_chain.h"
#include "policies/placement_validation.h"
#include "policies/policy_config.h"
#include "tests/policies/scheduler_model.h"
#include "tests/support/schema_validator.h"

namespace cell0::testing {
namespace {

using nlohmann::json;

std::filesystem::path scheduling_dir() { return std::filesystem::path(CELL0_SOURCE_DIR) / "tests/policies/scheduling"; }

const json& crd_schema(const std::string& kind) {
  static const json pp =
      load_crd_schema(std::string(CELL0_SHARED_DIR) + "/karmada-crds/policy.karmada.io_propagationpolicies.yaml");
  static const json cpp = load_crd_schema(std::string(CELL0_SHARED_DIR) +
                                          "/karmada-crds/policy.karmada.io_clusterpropagationpolicies.yaml");
  return kind == "PropagationPolicy" ? pp : cpp;
}

bool contains_text(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::set<std::string> zones_of(const json& cluster) {
  std::set<std::string> zones;
  for (const json& z : cluster["spec"].value("zones", json::array())) zones.insert(z.get<std::string>());
  if (zones.empty() && cluster["spec"].contains("zone")) zones.insert(cluster["spec"]["zone"].get<std::string>());
  return zones;
}

void check_case(const std::string& name, const json& doc) {
  const json& expect = doc.at("expect");
  const common::Result<policies::Policy> policy = policies::parse_policy(doc.value("policy", json()));
  REQUIRE(policy.ok());

  // The Clusters as the Cluster rule (and the taint reconciler) keeps them.
  std::vector<ModelCluster> clusters;
  auto snapshot = std::make_shared<std::vector<policies::ClusterInfo>>();
  for (const json& c : doc.at("clusters")) {
    policies::AdmissionInput in;
    in.object = c.at("object");
    const policies::Decision kept = policies::review(in, *policy);
    REQUIRE(kept.allowed);
    clusters.push_back({kept.object, c.value("available", 100LL)});
    snapshot->push_back(policies::cluster_info_from(kept.object));
  }
  std::sort(snapshot->begin(), snapshot->end(), [](auto& a, auto& b) { return a.name < b.name; });

  policies::AdmissionInput in;
  in.object = doc.at("object");
  in.namespace_ = in.object["metadata"].value("namespace", "");
  if (doc.value("inventory", true)) in.clusters = snapshot;
  const policies::Decision d = policies::review(in, *policy);
  INFO("message: " << d.message);
  REQUIRE(d.allowed == expect.at("allowed").get<bool>());
  const json wanted_warnings = expect.value("warnings", json::array());
  for (const auto& w : d.warnings) UNSCOPED_INFO("warning: " << w);
  REQUIRE(d.warnings.size() == wanted_warnings.size());
  for (std::size_t i = 0; i < d.warnings.size(); ++i)
    CHECK(contains_text(d.warnings[i], wanted_warnings[i].get<std::string>()));
  if (!d.allowed) {
    CHECK(contains_text(d.message, expect.at("denial").get<std::string>()));
    return;
  }

  // Karmada's validation (§2) and the CRD schema.
  CHECK(policies::validate_placement(d.object).empty());
  const auto errors = schema_errors(d.object, crd_schema(d.object.value("kind", "")));
  for (const auto& e : errors) UNSCOPED_INFO("schema: " << e);
  CHECK(errors.empty());

  const long long replicas = doc.value("replicas", 4LL);
  const Scheduled s = schedule(d.object["spec"].value("placement", json::object()), clusters, replicas);
  INFO(name << " placement:\n"
            << common::to_yaml(d.object["spec"]["placement"]) << "scheduled: " << json(s.replicas).dump()
            << " error: " << s.error);
  if (expect.contains("error")) {
    CHECK(contains_text(s.error, expect["error"].get<std::string>()));
    return;
  }
  REQUIRE(s.error.empty());
  CHECK(json(s.replicas) == expect.at("replicas"));
  std::set<std::string> landed;
  for (const auto& [cluster, n] : s.replicas) {
    for (const ModelCluster& c : clusters) {
      if (c.object["metadata"]["name"] == cluster) {
        for (const auto& z : zones_of(c.object)) landed.insert(z);
      }
    }
  }
  if (expect.contains("zones")) CHECK(landed.size() == expect["zones"].get<std::size_t>());

  // The HA promise: divided gateways in >= 2 zones when >= 2 zones hold clusters the placement
  // can use, or a warning that says why not.
  const std::string scenario =
      d.object["metadata"].value("annotations", json::object()).value(policy->anydoor.scenario_annotation, "");
  if (scenario == "Egress" || scenario == "IngressManaged" || scenario == "IngressTenant") {
    json open = d.object["spec"]["placement"];
    if (open.contains("clusterAffinity")) open["clusterAffinity"].erase("clusterNames");
    std::set<std::string> feasible_zones;
    for (const std::string& feasible : feasible_clusters(open, clusters)) {
      for (const ModelCluster& c : clusters) {
        if (c.object["metadata"]["name"] == feasible) {
          for (const auto& z : zones_of(c.object)) feasible_zones.insert(z);
        }
      }
    }
    if (feasible_zones.size() >= 2 && replicas >= 2) {
      CHECK((landed.size() >= 2 || !d.warnings.empty()));
    }
    if (landed.size() < 2) CHECK_FALSE(d.warnings.empty());
  }
}

TEST_CASE("scheduling goldens: where Karmada puts the replicas", "[scheduling]") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(scheduling_dir())) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 6);
  for (const auto& f : files) {
    const auto docs = common::load_yaml_file(f);
    REQUIRE(docs.ok());
    REQUIRE(docs->size() == 1);
    DYNAMIC_SECTION(f.stem().string()) {
      INFO(f.stem().string() << ": " << (*docs)[0].value("description", ""));
      check_case(f.stem().string(), (*docs)[0]);
    }
  }
}

}  // namespace
}  // namespace cell0::testing
