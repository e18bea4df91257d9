// Small pieces on their own: name syntax, globs, toleration matching, the policy file's defaults
// and errors, and the test-only schema validator (it must catch what it claims to).
#include <catch2/catch.hpp>

#include <fstream>

#include "policies/label_syntax.h"
#include "policies/placement_validation.h"
#include "policies/policy_config.h"
#include "policies/tolerations.h"
#include "tests/certs/temp_dir.h"
#include "tests/support/schema_validator.h"

namespace cell0::testing {
namespace {

using nlohmann::json;
using namespace cell0::policies;

TEST_CASE("label keys, values and DNS subdomains", "[syntax]") {
  CHECK(is_qualified_name("pure-control-cluster"));
  CHECK(is_qualified_name("vpc.ccos.io/vpc-7f3a"));
  CHECK(is_qualified_name("a_b.c"));
  CHECK_FALSE(is_qualified_name(""));
  CHECK_FALSE(is_qualified_name("vpc.ccos.io/"));
  CHECK_FALSE(is_qualified_name("Vpc.ccos.io/x"));  // the prefix is lower case
  CHECK_FALSE(is_qualified_name("vpc.ccos.io/vpc 1"));
  CHECK_FALSE(is_qualified_name("-x"));
  CHECK_FALSE(is_qualified_name(std::string(64, 'a')));
  CHECK(is_qualified_name(std::string(63, 'a')));
  CHECK(is_label_value(""));
  CHECK(is_label_value("true"));
  CHECK_FALSE(is_label_value("a/b"));
  CHECK(is_dns_subdomain("ccos.io"));
  CHECK_FALSE(is_dns_subdomain("ccos..io"));
}

TEST_CASE("globs", "[syntax]") {
  CHECK(glob_match("ccos-*", "ccos-monitoring"));
  CHECK(glob_match("ccos-*", "ccos-"));
  CHECK_FALSE(glob_match("ccos-*", "ccos"));
  CHECK_FALSE(glob_match("ccos-*", "my-ccos-x"));
  CHECK(glob_match("*", ""));
  CHECK_FALSE(glob_match("", "x"));
  CHECK(glob_match("*.ccos.io", "gateways.network.ccos.io"));
  CHECK(glob_match("a?c*z", "abcxyz"));
  CHECK_FALSE(glob_match("a?c", "ac"));
  CHECK(glob_match("**a**", "bab"));
}

TEST_CASE("ToleratesTaint as Kubernetes defines it (karmada-scheduling.md §6)", "[tolerations]") {
  const json equal_true = {{"key", "K"}, {"operator", "Equal"}, {"value", "true"}, {"effect", "NoSchedule"}};
  // {key: K, operator: Equal, value: "true"} does not tolerate K:NoSchedule but does K=true:NoSchedule.
  CHECK_FALSE(tolerates_taint(equal_true, "K", "", "NoSchedule"));
  CHECK(tolerates_taint(equal_true, "K", "true", "NoSchedule"));
  // {key: K, operator: Exists} with no effect: any value, any effect.
  const json exists = {{"key", "K"}, {"operator", "Exists"}};
  CHECK(tolerates_taint(exists, "K", "", "NoSchedule"));
  CHECK(tolerates_taint(exists, "K", "x", "NoExecute"));
  CHECK_FALSE(tolerates_taint(exists, "L", "", "NoSchedule"));
  // {operator: Exists} with no key: every taint.
  CHECK(tolerates_taint(json{{"operator", "Exists"}}, "any", "v", "NoExecute"));
  // An empty operator means Equal.
  CHECK(tolerates_taint(json{{"key", "K"}}, "K", "", "NoSchedule"));
  CHECK_FALSE(tolerates_taint(json{{"key", "K"}}, "K", "v", "NoSchedule"));
  CHECK(tolerates_taint(json{{"key", "K"}, {"value", "v"}}, "K", "v", "NoSchedule"));
  // A key-less Equal compares values only: it tolerates every value-less taint.
  CHECK(tolerates_taint(json{{"operator", "Equal"}}, "any", "", "NoSchedule"));
  CHECK_FALSE(tolerates_taint(json{{"operator", "Equal"}}, "any", "v", "NoSchedule"));
  // The effect must match when set.
  CHECK_FALSE(
      tolerates_taint(json{{"key", "K"}, {"operator", "Exists"}, {"effect", "NoExecute"}}, "K", "", "NoSchedule"));
  // Other operators (Lt/Gt: refused by Karmada's validation) tolerate nothing.
  CHECK_FALSE(tolerates_taint(json{{"key", "K"}, {"operator", "Lt"}, {"value", "1"}}, "K", "", "NoSchedule"));
  CHECK_FALSE(tolerates_taint(json("K"), "K", "", "NoSchedule"));
}

TEST_CASE("the pure-control key is reserved whatever the operator, value or effect", "[tolerations]") {
  const Taint taint;
  CHECK(claims_pure_control(json{{"key", "pure-control-cluster"}, {"operator", "Equal"}, {"value", "true"}}, taint));
  CHECK(claims_pure_control(json{{"key", "pure-control-cluster"}, {"operator", "Exists"}, {"effect", "NoExecute"}},
                            taint));
  CHECK(claims_pure_control(json{{"key", "pure-control-cluster"}, {"operator", "Lt"}, {"value", "3"}}, taint));
  CHECK(claims_pure_control(json{{"operator", "Exists"}}, taint));
  CHECK(claims_pure_control(json{{"operator", "Equal"}}, taint));  // tolerates the value-less taint
  CHECK_FALSE(claims_pure_control(json{{"operator", "Equal"}, {"value", "x"}}, taint));
  CHECK_FALSE(claims_pure_control(json{{"key", "other"}, {"operator", "Exists"}}, taint));
  CHECK(is_wildcard(json{{"operator", "Exists"}}));
  CHECK_FALSE(is_wildcard(json{{"key", "pure-control-cluster"}}));
}

TEST_CASE("policy file: defaults, partial files, errors naming the field", "[policy]") {
  SECTION("null, an empty mapping and an empty file give the defaults of DESIGN.md") {
    for (const json& doc : {json(), json::object()}) {
      auto load = parse_policy(doc);
      REQUIRE(load.ok());
      const Policy& p = *load;
      CHECK(p.pure_control.taint.key == "pure-control-cluster");
      CHECK(p.pure_control.taint.effect == "NoSchedule");
      CHECK(p.pure_control.cluster_label == "cluster.ccos.io/pure-control");
      CHECK(p.pure_control.cluster_names.empty());
      CHECK(p.whitelist.namespaces == std::vector<std::string>{"ccos-*", "karmada-system"});
      REQUIRE(p.whitelist.resources.size() == 2);
      CHECK(p.whitelist.resources[1].namespace_ == "karmada-system");
      CHECK(p.whitelist.enforcement == Enforcement::Reject);
      CHECK(p.anydoor.scenario_annotation == "anydoor.ccos.io/scenario");
      CHECK(p.anydoor.vpc_annotation == "anydoor.ccos.io/vpc");
      CHECK(p.anydoor.business_cluster_label == "network.ccos.io/business");
      CHECK(p.anydoor.vpc_cluster_label_prefix == "vpc.ccos.io/");
      CHECK(p.anydoor.min_zones == 2);
      CHECK(p.anydoor.max_clusters == 64);
      CHECK(p.pure_control.taint.value.empty());
      REQUIRE(p.anydoor.gateway_kinds.size() == 1);
      CHECK(p.anydoor.gateway_kinds[0].api_version == "anydoor.ccos.io/v1alpha1");
      CHECK(p.anydoor.gateway_kinds[0].kind == "AnyDoorGateway");
    }
    TempDir dir;
    std::ofstream(dir.path() / "empty.yaml") << "# nothing here\n";
    CHECK(load_policy_file(dir.path() / "empty.yaml").ok());
  }
  SECTION("a resource entry's omitted fields are \"*\"") {
    auto load = parse_policy(json::parse(R"({"whitelist": {"resources": [{"kind": "Namespace"}]}})"));
    REQUIRE(load.ok());
    REQUIRE(load->whitelist.resources.size() == 1);
    CHECK(load->whitelist.resources[0].api_version == "*");
    CHECK(load->whitelist.resources[0].name == "*");
  }
  SECTION("errors") {
    auto error = [](const char* text) {
      auto load = parse_policy(json::parse(text));
      CHECK_FALSE(load.ok());
      return load ? std::string() : load.error().message;
    };
    CHECK(error(R"({"pureControl": {"taint": {"key": "bad key"}}})").starts_with("pureControl.taint.key: "));
    CHECK(error(R"({"pureControl": {"clusterNames": "cell0"}})") ==
          "pureControl.clusterNames: must be a list of strings, got a string");
    CHECK(error(R"({"whitelist": {"resources": [{}]}})").starts_with("whitelist.resources[0]: must set at least one"));
    CHECK(error(R"({"whitelist": {"resources": [{"group": "x"}]}})")
              .starts_with("whitelist.resources[0].group: unknown field"));
    CHECK(error(R"({"whitelist": {"namespaces": [""]}})") == "whitelist.namespaces[0]: must not be empty");
    CHECK(error(R"({"anydoor": {"minZones": 0}})") == "anydoor.minZones: must be between 1 and 16, got 0");
    CHECK(error(R"({"anydoor": []})") == "anydoor: must be a mapping, got a list");
    CHECK(error(R"({"anydoor": {"maxClusters": 0}})") ==
          "anydoor.maxClusters: must be between minZones (2) and 10000, got 0");
    CHECK(error(R"({"anydoor": {"gatewayKinds": [{"kind": "X"}]}})") ==
          "anydoor.gatewayKinds[0]: must set apiVersion and kind");
    CHECK(error(R"({"pureControl": {"taint": {"value": "a/b"}}})").starts_with("pureControl.taint.value: "));
    CHECK(error(R"([1])") == "policy: must be a mapping, got a list");
    // Found by fuzz_admission_review: a NUL in a key used to cut the message to nothing.
    const std::string nul_key = error("{\"\\u0000k\": 1}");
    CHECK(nul_key.starts_with("\"\\u0000k\": unknown field"));
  }
  SECTION("file errors name the file; several documents are refused") {
    TempDir dir;
    std::ofstream(dir.path() / "two.yaml") << "whitelist: {}\n---\nanydoor: {}\n";
    auto message = [&dir](const char* name) {
      auto load = load_policy_file(dir.path() / name);
      CHECK_FALSE(load.ok());
      return load ? std::string() : load.error().message;
    };
    CHECK(message("two.yaml").find("two.yaml: expected one WebhookPolicy document, found 2") != std::string::npos);
    std::ofstream(dir.path() / "bad.yaml") << "whitelist: [\n";
    CHECK(message("bad.yaml").find("bad.yaml") != std::string::npos);
    CHECK(message("missing.yaml").find("missing.yaml") != std::string::npos);
  }
}

TEST_CASE("Karmada placement validation accepts what the rules produce", "[validation]") {
  const json ok = json::parse(R"({"spec": {"placement": {
    "clusterAffinity": {"labelSelector": {"matchExpressions": [{"key": "network.ccos.io/business", "operator": "In", "values": ["true"]}]}},
    "clusterTolerations": [{"key": "pure-control-cluster", "operator": "Exists", "effect": "NoSchedule"}],
    "spreadConstraints": [{"spreadByField": "zone", "minGroups": 2}, {"spreadByField": "cluster", "minGroups": 2}],
    "replicaScheduling": {"replicaSchedulingType": "Divided"}}}})");
  CHECK(validate_placement(ok).empty());
  CHECK(validate_placement(json::parse(R"({"spec": {}})")).empty());
  json bad = ok;
  bad["spec"]["placement"]["clusterAffinity"]["labelSelector"]["matchExpressions"][0]["values"] = json::array();
  CHECK(validate_placement(bad) ==
        std::vector<std::string>{
            "spec.placement.clusterAffinity.labelSelector.matchExpressions[0].values: Required value: "
            "must be specified when `operator` is 'In' or 'NotIn'"});
  bad = ok;
  bad["spec"]["placement"]["clusterTolerations"][0] = {{"operator", "Equal"}, {"tolerationSeconds", 5}};
  CHECK(validate_placement(bad).size() == 2);
  bad = ok;
  bad["spec"]["placement"].erase("clusterAffinity");
  bad["spec"]["placement"]["clusterAffinities"] = {
      {{"affinityName", "a"}, {"overflowAffinities", {{{"affinityName", "a"}}}}}};
  CHECK(validate_placement(bad).size() == 2);  // duplicate name, overflow without Aggregated / dynamic weight
}

TEST_CASE("the schema validator catches what it claims to", "[schema]") {
  const json schema =
      load_crd_schema(std::string(CELL0_SHARED_DIR) + "/karmada-crds/policy.karmada.io_propagationpolicies.yaml");
  json pp = json::parse(R"({"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
    "metadata": {"name": "x", "namespace": "y", "labels": {"a": "b"}},
    "spec": {"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment"}],
             "placement": {"clusterTolerations": [{"key": "k", "operator": "Exists"}],
                           "spreadConstraints": [{"spreadByField": "cluster", "minGroups": 1}],
                           "replicaScheduling": {"replicaSchedulingType": "Divided",
                             "weightPreference": {"staticWeightList": [{"targetCluster": {"clusterNames": ["a"]}, "weight": 1}]}}}}})");
  CHECK(schema_errors(pp, schema).empty());
  auto one_error = [&](const json& object) {
    const auto errors = schema_errors(object, schema);
    REQUIRE(errors.size() == 1);
    return errors[0];
  };
  json bad = pp;
  bad["spec"]["placement"]["spreadConstraints"][0]["spreadByField"] = "rack";
  CHECK(one_error(bad).starts_with("spec.placement.spreadConstraints[0].spreadByField: \"rack\" is not one of"));
  bad = pp;
  bad["spec"].erase("resourceSelectors");
  CHECK(one_error(bad) == "spec.resourceSelectors: Required value");
  bad = pp;
  bad["spec"]["placement"]["clusterTolerations"][0]["tolerateSeconds"] = 5;
  CHECK(one_error(bad) == "spec.placement.clusterTolerations[0].tolerateSeconds: unknown field");
  bad = pp;
  bad["spec"]["placement"]["replicaScheduling"]["weightPreference"]["staticWeightList"][0]["weight"] = 0;
  CHECK(one_error(bad).find("less than the minimum 1") != std::string::npos);
  bad = pp;
  bad["spec"]["placement"]["spreadConstraints"][0]["minGroups"] = "1";
  CHECK(one_error(bad).find("must be of type integer") != std::string::npos);
  bad = pp;
  bad["spec"]["placement"]["clusterTolerations"] = json::object();
  CHECK(one_error(bad).find("must be of type array") != std::string::npos);
}

}  // namespace
}  // namespace cell0::testing
