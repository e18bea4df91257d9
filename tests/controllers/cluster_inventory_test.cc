#include <catch2/catch.hpp>

#include "controllers/cluster_inventory.h"
#include "policies/cluster_info.h"

namespace cell0::controllers {
namespace {

using nlohmann::json;

TEST_CASE("cluster_info_from: name, labels, zones, region, taints") {
  const json cluster = json::parse(R"({
    "metadata": {"name": "cellx", "resourceVersion": "42", "labels": {"network.ccos.io/business": "true", "n": 1}},
    "spec": {"region": "r1", "zones": ["az1", "az2"],
             "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}, {"key": "x", "effect": "NoExecute"}, 5]}})");
  const policies::ClusterInfo info = policies::cluster_info_from(cluster);
  CHECK(info.name == "cellx");
  CHECK(info.resource_version == "42");
  CHECK(info.labels == std::map<std::string, std::string>{{"network.ccos.io/business", "true"}});
  CHECK(info.region == "r1");
  CHECK(info.zones == std::vector<std::string>{"az1", "az2"});
  CHECK(info.taints == std::vector<policies::ClusterTaintInfo>{{"k", "v", "NoSchedule"}, {"x", "", "NoExecute"}});
  // The deprecated single zone counts when zones is empty; odd shapes give empty fields.
  CHECK(policies::cluster_info_from(json::parse(R"({"metadata":{"name":"a"},"spec":{"zone":"az3"}})")).zones ==
        std::vector<std::string>{"az3"});
  const policies::ClusterInfo odd = policies::cluster_info_from(json::parse(R"({"metadata":[],"spec":"x"})"));
  CHECK(odd.name.empty());
  CHECK(odd.taints.empty());
}

policies::ClusterInfo named(const std::string& name, const std::string& resource_version,
                            std::vector<std::string> zones = {}) {
  policies::ClusterInfo info;
  info.name = name;
  info.resource_version = resource_version;
  info.zones = std::move(zones);
  return info;
}

TEST_CASE("ClusterInventory: replace, upsert, remove, snapshot by name") {
  ClusterInventory cache;
  CHECK_FALSE(cache.synced());
  cache.upsert(named("b", "1"));
  CHECK_FALSE(cache.synced());  // only a full list counts
  cache.replace({named("c", "2"), named("a", "3", {"az1"})});
  CHECK(cache.synced());
  CHECK(cache.size() == 2);
  CHECK_FALSE(cache.find("b"));
  cache.upsert(named("b", "4"));
  cache.remove("c");
  cache.remove("missing");
  const auto all = cache.snapshot();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "a");
  CHECK(all[1].name == "b");
  CHECK(cache.find("a")->zones == std::vector<std::string>{"az1"});
}

TEST_CASE("ClusterInventory: the shared snapshot is null until synced, reused until a change") {
  ClusterInventory cache;
  cache.upsert(named("a", "1"));
  CHECK(cache.shared() == nullptr);
  cache.replace({named("b", "2"), named("a", "3")});
  const policies::ClusterSnapshot first = cache.shared();
  REQUIRE(first != nullptr);
  REQUIRE(first->size() == 2);
  CHECK((*first)[0].name == "a");
  CHECK(cache.shared() == first);  // nothing changed: the same snapshot
  cache.remove("missing");
  CHECK(cache.shared() == first);
  cache.upsert(named("c", "4"));
  const policies::ClusterSnapshot second = cache.shared();
  CHECK(second != first);
  CHECK(second->size() == 3);
  CHECK(first->size() == 2);  // a reader holding the old snapshot keeps it unchanged
  cache.remove("a");
  CHECK(cache.shared()->size() == 2);
}

}  // namespace
}  // namespace cell0::controllers
