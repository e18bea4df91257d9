// The scheduler model against the facts of karmada-scheduling.md, one section at a time, so the
// scheduling goldens rest on Karmada's behaviour rather than on the model's code.
#include <catch2/catch.hpp>

#include "tests/policies/scheduler_model.h"

namespace cell0::testing {
namespace {

using nlohmann::json;

ModelCluster cluster(const std::string& name, const std::string& zone, long long available = 100,
                     json taints = json::array(), json labels = json::object()) {
  json spec = {{"taints", taints}};
  if (!zone.empty()) spec["zones"] = json::array({zone});
  return {{{"metadata", {{"name", name}, {"labels", labels}}}, {"spec", spec}}, available};
}

const json kDynamic = {{"replicaSchedulingType", "Divided"},
                       {"replicaDivisionPreference", "Weighted"},
                       {"weightPreference", {{"dynamicWeight", "AvailableReplicas"}}}};

TEST_CASE("model §6: ToleratesTaint", "[model]") {
  const json valued_taint = {{"key", "K"}, {"value", "true"}, {"effect", "NoSchedule"}};
  const json plain_taint = {{"key", "K"}, {"effect", "NoSchedule"}};
  const json equal_true = {{"key", "K"}, {"operator", "Equal"}, {"value", "true"}, {"effect", "NoSchedule"}};
  CHECK_FALSE(model_tolerates(equal_true, plain_taint));
  CHECK(model_tolerates(equal_true, valued_taint));
  CHECK(model_tolerates(json{{"key", "K"}, {"operator", "Exists"}},
                        json{{"key", "K"}, {"value", "x"}, {"effect", "NoExecute"}}));
  CHECK(model_tolerates(json{{"operator", "Exists"}}, valued_taint));
  CHECK(model_tolerates(json{{"key", "K"}}, plain_taint));  // empty operator: Equal
}

TEST_CASE("model §3: static weights ignore spread constraints and split over every feasible cluster", "[model]") {
  const std::vector<ModelCluster> cs{cluster("a", "z1"), cluster("b", "z1"), cluster("c", "z2")};
  const json placement = {{"spreadConstraints", {{{"spreadByField", "cluster"}, {"minGroups", 2}, {"maxGroups", 2}}}},
                          {"replicaScheduling", {{"replicaSchedulingType", "Divided"}}}};  // defaulted to Weighted
  const Scheduled s = schedule(placement, cs, 3);
  CHECK(s.error.empty());
  CHECK(s.replicas == std::map<std::string, long long>{{"a", 1}, {"b", 1}, {"c", 1}});
}

TEST_CASE("model §3: maxGroups 0 selects no cluster", "[model]") {
  const std::vector<ModelCluster> cs{cluster("a", "z1"), cluster("b", "z2")};
  json placement = {{"spreadConstraints", {{{"spreadByField", "cluster"}, {"minGroups", 2}}}},
                    {"replicaScheduling", {{"replicaSchedulingType", "Duplicated"}}}};
  CHECK(schedule(placement, cs, 2).error == "no clusters available to schedule");
  placement["replicaScheduling"] = kDynamic;
  CHECK(schedule(placement, cs, 2).error == "no enough resource when selecting 0 clusters");
  placement["replicaScheduling"] = {{"replicaSchedulingType", "Divided"}, {"replicaDivisionPreference", "Aggregated"}};
  CHECK(schedule(placement, cs, 2).error == "no enough resource when selecting 0 clusters");
  placement["spreadConstraints"] = {{{"spreadByField", "region"}, {"minGroups", 1}},
                                    {{"spreadByField", "cluster"}, {"minGroups", 1}, {"maxGroups", 2}}};
  CHECK_FALSE(schedule(placement, cs, 2).error.empty());
}

TEST_CASE("model §3: the spread filter drops clusters without spec.zones for a zone constraint", "[model]") {
  const std::vector<ModelCluster> cs{cluster("a", "z1"), cluster("b", "")};
  const json placement = {{"spreadConstraints",
                           {{{"spreadByField", "zone"}, {"minGroups", 1}},
                            {{"spreadByField", "cluster"}, {"minGroups", 1}, {"maxGroups", 5}}}},
                          {"replicaScheduling", kDynamic}};
  CHECK(feasible_clusters(placement, cs) == std::vector<std::string>{"a"});
  CHECK(schedule(placement, cs, 2).replicas == std::map<std::string, long long>{{"a", 2}});
}

TEST_CASE("model §3: Webster apportionment, dynamic and static", "[model]") {
  // 9 replicas at 1:2 -> 3:6, at 1:3 -> 2:7.
  std::vector<ModelCluster> cs{cluster("a", "z1", 10), cluster("b", "z2", 20)};
  json placement = {{"replicaScheduling", kDynamic}};
  CHECK(schedule(placement, cs, 9).replicas == std::map<std::string, long long>{{"a", 3}, {"b", 6}});
  cs[1].available = 30;
  CHECK(schedule(placement, cs, 9).replicas == std::map<std::string, long long>{{"a", 2}, {"b", 7}});
  // N=2 at (a little over) 3:1: one selected cluster gets 0 and is dropped.
  cs = {cluster("a", "z1", 30), cluster("b", "z2", 9)};
  CHECK(schedule(placement, cs, 2).replicas == std::map<std::string, long long>{{"a", 2}});
  // Not enough available replicas.
  CHECK(schedule(placement, cs, 50).error == "Clusters available replicas 39 are not enough");
  // Static: the largest weight of the matching rules; unmatched clusters 0.
  placement["replicaScheduling"] = {{"replicaSchedulingType", "Divided"},
                                    {"replicaDivisionPreference", "Weighted"},
                                    {"weightPreference",
                                     {{"staticWeightList",
                                       {{{"targetCluster", {{"clusterNames", {"a"}}}}, {"weight", 1}},
                                        {{"targetCluster", {{"clusterNames", {"a", "b"}}}}, {"weight", 2}}}}}}};
  CHECK(schedule(placement, cs, 4).replicas == std::map<std::string, long long>{{"a", 2}, {"b", 2}});
}

TEST_CASE("model §3: Aggregated packs, Duplicated copies, affinity is AND, first affinity term wins", "[model]") {
  const std::vector<ModelCluster> cs{cluster("a", "z1", 50, json::array(), {{"t", "x"}}),
                                     cluster("b", "z2", 10, json::array(), {{"t", "y"}})};
  json placement = {
      {"replicaScheduling", {{"replicaSchedulingType", "Divided"}, {"replicaDivisionPreference", "Aggregated"}}}};
  CHECK(schedule(placement, cs, 4).replicas == std::map<std::string, long long>{{"a", 4}});
  placement["replicaScheduling"] = {{"replicaSchedulingType", "Duplicated"}};
  CHECK(schedule(placement, cs, 3).replicas == std::map<std::string, long long>{{"a", 3}, {"b", 3}});
  placement["clusterAffinity"] = {{"clusterNames", {"a", "b"}}, {"labelSelector", {{"matchLabels", {{"t", "y"}}}}}};
  CHECK(schedule(placement, cs, 1).replicas == std::map<std::string, long long>{{"b", 1}});
  placement["clusterAffinity"]["exclude"] = {"b"};
  CHECK_FALSE(schedule(placement, cs, 1).error.empty());
  placement.erase("clusterAffinity");
  placement["clusterAffinities"] = {{{"affinityName", "p"}, {"clusterNames", {"none"}}},
                                    {{"affinityName", "q"}, {"clusterNames", {"a"}}}};
  CHECK(schedule(placement, cs, 1).replicas == std::map<std::string, long long>{{"a", 1}});
}

TEST_CASE("model §3/§6: a NoSchedule taint keeps out policies that do not tolerate it; PreferNoSchedule does not",
          "[model]") {
  const json valued = json::array({{{"key", "pure-control-cluster"}, {"value", "true"}, {"effect", "NoSchedule"}}});
  const json soft = json::array({{{"key", "x"}, {"effect", "PreferNoSchedule"}}});
  const std::vector<ModelCluster> cs{cluster("cell0", "z1", 100, valued), cluster("b", "z2", 100, soft)};
  json placement = {{"replicaScheduling", {{"replicaSchedulingType", "Duplicated"}}}};
  CHECK(feasible_clusters(placement, cs) == std::vector<std::string>{"b"});
  placement["clusterTolerations"] = {{{"key", "pure-control-cluster"}, {"operator", "Equal"}, {"value", "true"}}};
  CHECK(feasible_clusters(placement, cs) == std::vector<std::string>{"b", "cell0"});
}

}  // namespace
}  // namespace cell0::testing
