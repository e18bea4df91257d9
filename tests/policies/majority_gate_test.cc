// The pieces of the majority gate on their own, against the Kubernetes and Karmada rules they copy:
// ToleratesTaint (reference/karmada-scheduling.md §6), Karmada's ClusterMatches (labelSelector,
// fieldSelector incl. zones, clusterNames, exclude), the spread filter, hosting, the policy section.
#include <catch2/catch.hpp>

#include "policies/cluster_affinity.h"
#include "policies/majority_gate.h"
#include "policies/policy_config.h"
#include "policies/toleration_match.h"

namespace cell0::testing {
namespace {

using nlohmann::json;
using namespace cell0::policies;

ClusterInfo cluster(std::string name, std::map<std::string, std::string> labels = {}) {
  ClusterInfo c;
  c.name = std::move(name);
  c.labels = std::move(labels);
  return c;
}

TEST_CASE("ToleratesTaint: the facts of reference §6", "[majority][tolerations]") {
  const ClusterTaintInfo plain{"K", "", "NoSchedule"};
  const ClusterTaintInfo valued{"K", "true", "NoSchedule"};
  const json equal_true = {{"key", "K"}, {"operator", "Equal"}, {"value", "true"}, {"effect", "NoSchedule"}};
  CHECK_FALSE(toleration_tolerates_taint(equal_true, plain));  // "true" != ""
  CHECK(toleration_tolerates_taint(equal_true, valued));
  const json exists_key = {{"key", "K"}, {"operator", "Exists"}};
  CHECK(toleration_tolerates_taint(exists_key, valued));
  CHECK(toleration_tolerates_taint(exists_key, {"K", "x", "NoExecute"}));
  CHECK_FALSE(toleration_tolerates_taint(exists_key, {"L", "", "NoSchedule"}));
  CHECK(toleration_tolerates_taint(json{{"operator", "Exists"}}, {"anything", "v", "NoExecute"}));
  // An empty operator means Equal.
  CHECK(toleration_tolerates_taint(json{{"key", "K"}, {"effect", "NoSchedule"}}, plain));
  CHECK_FALSE(toleration_tolerates_taint(json{{"key", "K"}, {"effect", "NoSchedule"}}, valued));
  // The effect must match when the toleration names one.
  CHECK_FALSE(toleration_tolerates_taint(json{{"key", "K"}, {"operator", "Exists"}, {"effect", "NoExecute"}}, plain));
  // Lt / Gt (refused by Karmada's validation) and unknown operators tolerate nothing.
  CHECK_FALSE(
      toleration_tolerates_taint(json{{"key", "K"}, {"operator", "Gt"}, {"value", "1"}}, {"K", "2", "NoSchedule"}));
  CHECK_FALSE(toleration_tolerates_taint(json("K"), plain));
}

TEST_CASE("the taint filter looks at NoSchedule and NoExecute only", "[majority][tolerations]") {
  const std::vector<ClusterTaintInfo> taints = {{"soft", "", "PreferNoSchedule"}, {"hard", "", "NoExecute"}};
  const ClusterTaintInfo* untolerated = first_untolerated_taint(taints, json::array());
  REQUIRE(untolerated != nullptr);
  CHECK(untolerated->key == "hard");
  CHECK(first_untolerated_taint(taints, json::parse(R"([{"key":"hard","operator":"Exists"}])")) == nullptr);
  CHECK(first_untolerated_taint({{"soft", "", "PreferNoSchedule"}}, json()) == nullptr);
}

TEST_CASE("cluster affinity: names, exclude and label selectors as Karmada matches them", "[majority][affinity]") {
  const ClusterInfo data = cluster("m1", {{"tier", "data"}, {"disk", "ssd"}});
  const ClusterInfo bare = cluster("m2");
  CHECK(cluster_matches_affinity(data, json()));
  CHECK(cluster_matches_affinity(data, json::object()));
  CHECK(cluster_matches_affinity(data, json::parse(R"({"clusterNames":[]})")));
  CHECK_FALSE(cluster_matches_affinity(data, json::parse(R"({"clusterNames":["m2"]})")));
  CHECK_FALSE(cluster_matches_affinity(data, json::parse(R"({"clusterNames":["m1"],"exclude":["m1"]})")));
  CHECK(cluster_matches_affinity(data, json::parse(R"({"labelSelector":{}})")));
  CHECK(cluster_matches_affinity(bare, json::parse(R"({"labelSelector":{}})")));
  CHECK(cluster_matches_affinity(data, json::parse(R"({"labelSelector":{"matchLabels":{"tier":"data"}}})")));
  CHECK_FALSE(cluster_matches_affinity(bare, json::parse(R"({"labelSelector":{"matchLabels":{"tier":"data"}}})")));
  const json not_in =
      json::parse(R"({"labelSelector":{"matchExpressions":[{"key":"disk","operator":"NotIn","values":["hdd"]}]}})");
  CHECK(cluster_matches_affinity(data, not_in));
  CHECK(cluster_matches_affinity(bare, not_in));  // NotIn matches a cluster without the key
  const json missing =
      json::parse(R"({"labelSelector":{"matchExpressions":[{"key":"gpu","operator":"DoesNotExist"}]}})");
  CHECK(cluster_matches_affinity(data, missing));
  // Selectors apimachinery refuses match nothing (Karmada treats the error as "no").
  for (const char* bad :
       {R"({"key":"tier","operator":"In","values":[]})", R"({"key":"tier","operator":"Exists","values":["x"]})",
        R"({"key":"tier","operator":"Gt","values":["1"]})", R"({"key":"bad key","operator":"Exists"})",
        R"({"key":"tier","operator":"In","values":["not a value"]})"}) {
    INFO(bad);
    CHECK_FALSE(cluster_matches_affinity(data, json{{"labelSelector", {{"matchExpressions", {json::parse(bad)}}}}}));
  }
  // Every part must hold (AND).
  CHECK_FALSE(cluster_matches_affinity(
      data, json::parse(R"({"clusterNames":["m1"],"labelSelector":{"matchLabels":{"tier":"web"}}})")));
}

TEST_CASE("cluster affinity: fieldSelector over provider, region and zones", "[majority][affinity]") {
  ClusterInfo c = cluster("m1");
  c.provider = "huawei";
  c.region = "r1";
  c.zones = {"az1", "az2"};
  auto field = [](const char* key, const char* op, json values) {
    json e = {{"key", key}, {"operator", op}};
    if (!values.is_null()) e["values"] = std::move(values);
    return json{{"fieldSelector", {{"matchExpressions", {e}}}}};
  };
  CHECK(cluster_matches_affinity(c, field("region", "In", {"r1", "r2"})));
  CHECK_FALSE(cluster_matches_affinity(c, field("region", "NotIn", {"r1"})));
  CHECK(cluster_matches_affinity(c, field("provider", "Exists", nullptr)));
  ClusterInfo no_region = c;
  no_region.region.clear();
  CHECK_FALSE(cluster_matches_affinity(no_region, field("region", "In", {"r1"})));
  CHECK(cluster_matches_affinity(no_region, field("region", "NotIn", {"r1"})));  // an empty field is absent
  // Karmada's matchZones: a cluster spanning az1 and az2 is "In" only a list naming both.
  CHECK_FALSE(cluster_matches_affinity(c, field("zone", "In", {"az1"})));
  CHECK(cluster_matches_affinity(c, field("zone", "In", {"az1", "az2", "az3"})));
  CHECK_FALSE(cluster_matches_affinity(c, field("zone", "NotIn", {"az2"})));
  CHECK(cluster_matches_affinity(c, field("zone", "NotIn", {"az3"})));
  ClusterInfo zoneless = c;
  zoneless.zones.clear();
  CHECK_FALSE(cluster_matches_affinity(zoneless, field("zone", "In", {"az1"})));
  CHECK(cluster_matches_affinity(zoneless, field("zone", "DoesNotExist", nullptr)));
  CHECK_FALSE(cluster_matches_affinity(c, field("zone", "Gt", {"1"})));
  CHECK(cluster_matches_affinity(c, json::parse(R"({"fieldSelector":{}})")));
}

json binding(json clusters, json placement = json::object(), json replicas = 3) {
  json b = {{"apiVersion", "work.karmada.io/v1alpha2"},
            {"kind", "ResourceBinding"},
            {"metadata", {{"name", "mongo"}, {"namespace", "db"}}},
            {"spec",
             {{"resource", {{"apiVersion", "mongo.daocloud.io/v1alpha1"}, {"kind", "MongoDB"}, {"name", "mongo"}}},
              {"placement", std::move(placement)},
              {"clusters", std::move(clusters)}}}};
  if (!replicas.is_null()) b["spec"]["replicas"] = std::move(replicas);
  return b;
}

TEST_CASE("hosting: replicas, components, and resources without a replica count", "[majority]") {
  const std::vector<ClusterInfo> none;
  CHECK(count_majority(binding(json::parse(R"([{"name":"a","replicas":2},{"name":"b","replicas":0},{"name":"c"}])")),
                       json(), none)
            .hosting == std::vector<std::string>{"a"});
  // No replica count anywhere: the whole object goes to every listed cluster.
  CHECK(count_majority(binding(json::parse(R"([{"name":"b"},{"name":"a"}])"), json::object(), nullptr), json(), none)
            .hosting == std::vector<std::string>{"a", "b"});
  // Multi-template workloads: per-component replicas in each target.
  json multi = binding(json::parse(R"([{"name":"a","components":[{"name":"x","replicas":1}]},
                                       {"name":"b","components":[{"name":"x","replicas":0}]}])"),
                       json::object(), nullptr);
  multi["spec"]["components"] = json::parse(R"([{"name":"x","replicas":1}])");
  CHECK(count_majority(multi, json(), none).hosting == std::vector<std::string>{"a"});
}

TEST_CASE("candidates: the spread filter drops clusters without the constrained field", "[majority]") {
  std::vector<ClusterInfo> clusters = {cluster("a"), cluster("b"), cluster("c")};
  clusters[0].region = "r1";
  clusters[1].region = "r2";
  const json placement = json::parse(R"({"spreadConstraints":[{"spreadByField":"cluster","minGroups":1},
                                                               {"spreadByField":"region","minGroups":1}]})");
  CHECK(count_majority(binding(json::array(), placement), json(), clusters).candidates ==
        std::vector<std::string>{"a", "b"});
  CHECK(count_majority(binding(json::array()), json(), clusters).candidates == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("the gate judges UPDATEs of bindings only, never a subresource", "[majority]") {
  const Policy policy;
  AdmissionInput in;
  in.object = binding(json::parse(R"([{"name":"a","replicas":3}])"));
  in.old_object = binding(json::array());
  in.clusters = std::make_shared<const std::vector<ClusterInfo>>(
      std::vector<ClusterInfo>{cluster("a"), cluster("b"), cluster("c")});
  REQUIRE(is_resource_binding(in));
  in.operation = Operation::Update;
  CHECK_FALSE(validate(in, policy).allowed);
  CHECK_FALSE(review(in, policy).allowed);
  CHECK_FALSE(mutate(in, policy).majority_gate);  // /mutate is not registered for bindings
  in.sub_resource = "status";
  CHECK(validate(in, policy).allowed);
  CHECK_FALSE(validate(in, policy).majority_gate);
  in.sub_resource.clear();
  in.operation = Operation::Create;
  CHECK(validate(in, policy).allowed);
  CHECK_FALSE(validate(in, policy).majority_gate);
  in.operation = Operation::Update;
  in.kind = "ResourceBinding";
  in.group = "work.karmada.io";
  in.version = "v1alpha1";  // served by the CRD as well
  CHECK_FALSE(validate(in, policy).allowed);
}

TEST_CASE("policy file: the majority section", "[majority][policy]") {
  const auto defaults = parse_policy(json());
  REQUIRE(defaults.ok());
  CHECK(defaults->majority.enforcement == Enforcement::Reject);
  CHECK(defaults->majority.kinds == std::vector<MajorityKind>{{"mongo.daocloud.io/v1alpha1", "MongoDB"},
                                                              {"apps.kubeblocks.io/v1alpha1", "Cluster"},
                                                              {"apps.kubeblocks.io/v1", "Cluster"}});
  const auto warn = parse_policy(json::parse(R"({"majority":{"enforcement":"Warn","kinds":[]}})"));
  REQUIRE(warn.ok());
  CHECK(warn->majority.enforcement == Enforcement::Warn);
  CHECK(warn->majority.kinds.empty());
  const auto quorum = parse_policy(json::parse(R"({"majority":{"quorum":2}})"));
  REQUIRE_FALSE(quorum.ok());
  CHECK(quorum.error().message.find("majority.quorum: unknown field") != std::string::npos);
}

}  // namespace
}  // namespace cell0::testing
