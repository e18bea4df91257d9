// The placement reconciler against the protocol test server: it reads the inventory the taint
// reconciler keeps from its Cluster watch (one watch for both), and re-patches the managed anydoor
// policies when the set "one eligible cluster per zone" changes - and only then.
#include <catch2/catch.hpp>

#include "controllers/placement_reconciler.h"
#include "tests/controllers/helpers.h"
#include "tests/support/fake_apiserver.h"

namespace cell0::controllers {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::FakeApiServer;
using testing::make_cluster;
using namespace std::chrono_literals;

json business(const std::string& name, const std::string& zone, bool ready = true) {
  json c = make_cluster(name, {{"network.ccos.io/business", "true"}, {"vpc.ccos.io/vpc-1", "true"}});
  c["spec"]["zones"] = json::array({zone});
  c["status"] = {{"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}};
  return c;
}

json placement_on(const json& names) {
  return {{"clusterAffinity",
           {{"labelSelector",
             {{"matchExpressions",
               json::array({{{"key", "network.ccos.io/business"}, {"operator", "In"}, {"values", {"true"}}},
                            {{"key", "vpc.ccos.io/vpc-1"}, {"operator", "In"}, {"values", {"true"}}}})}}},
            {"clusterNames", names}}},
          {"replicaScheduling",
           {{"replicaSchedulingType", "Divided"},
            {"replicaDivisionPreference", "Weighted"},
            {"weightPreference",
             {{"staticWeightList", json::array({{{"targetCluster", {{"clusterNames", names}}}, {"weight", 1}}})}}}}}};
}

json managed_policy(const std::string& name, const json& names, bool managed = true) {
  json annotations = {{"anydoor.ccos.io/scenario", "Egress"}, {"anydoor.ccos.io/vpc", "vpc-1"}};
  if (managed) annotations["anydoor.ccos.io/managed-placement"] = "true";
  return {{"apiVersion", "policy.karmada.io/v1alpha1"},
          {"kind", "PropagationPolicy"},
          {"metadata", {{"name", name}, {"namespace", "ccos-anydoor"}, {"annotations", annotations}}},
          {"spec",
           {{"resourceSelectors", json::array({{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}})},
            {"placement", placement_on(names)}}}};
}

json names_of(const FakeApiServer& server, const std::string& name) {
  auto p = server.policy("PropagationPolicy", "ccos-anydoor", name);
  return p ? (*p)["spec"]["placement"]["clusterAffinity"].value("clusterNames", json()) : json();
}

struct Running {
  FakeApiServer server{{100ms}};
  common::MetricsRegistry registry;
  ReconcilerMetrics taint_metrics{registry};
  PlacementMetrics metrics{registry};
  std::unique_ptr<TaintReconciler> taints;
  std::unique_ptr<PlacementReconciler> placements;

  void start() {
    auto c = kube::load_kubeconfig(server.write_kubeconfig(server.cert_user()));
    REQUIRE(c.ok());
    taints = std::make_unique<TaintReconciler>(*c, policies::PureControl{}, testing::fast_options(), &taint_metrics);
    taints->start();
    REQUIRE(eventually([&] { return taints->cache().synced(); }));
    PlacementReconcilerOptions o;
    o.base = testing::fast_options();
    o.inventory_poll = 20ms;
    auto policy = std::make_shared<const policies::Policy>();
    placements = std::make_unique<PlacementReconciler>(
        *c, [policy] { return policy; }, [this] { return taints->cache().shared(); }, o, &metrics);
    placements->start();
  }
};

TEST_CASE("placement reconciler: nothing changed, nothing patched; unmanaged policies untouched") {
  Running r;
  for (auto [n, z] : {std::pair{"biz-a1", "az1"}, {"biz-a2", "az1"}, {"biz-b1", "az2"}})
    r.server.create(business(n, z));
  r.server.put_policy(managed_policy("gw", {"biz-a1", "biz-b1"}));
  r.server.put_policy(managed_policy("mine", {"biz-a2"}, false));
  r.start();
  REQUIRE(eventually([&] { return r.metrics.reconciles.value({"unchanged"}) >= 1; }));
  // A Cluster write placements cannot see (an annotation) wakes nothing up.
  r.server.update("biz-a2", [](json& c) { c["metadata"]["annotations"]["touched"] = "yes"; });
  std::this_thread::sleep_for(300ms);
  CHECK(r.server.policy_patches_applied() == 0);
  CHECK(r.server.count("PATCH") == 0);
  CHECK(names_of(r.server, "mine") == json::array({"biz-a2"}));
  CHECK(r.metrics.managed.value() == 1);
  CHECK(r.metrics.last_sync.value() > 0);
}

TEST_CASE("placement reconciler: a cluster leaving its zone set is replaced; a zone lost leaves one cluster") {
  Running r;
  for (auto [n, z] : {std::pair{"biz-a1", "az1"}, {"biz-a2", "az1"}, {"biz-b1", "az2"}})
    r.server.create(business(n, z));
  r.server.put_policy(managed_policy("gw", {"biz-a1", "biz-b1"}));
  r.start();
  REQUIRE(eventually([&] { return r.metrics.reconciles.value({"unchanged"}) >= 1; }));

  // biz-a1 becomes NotReady: biz-a2 takes az1.
  r.server.update("biz-a1", [](json& c) { c["status"]["conditions"][0]["status"] = "False"; });
  REQUIRE(eventually([&] { return names_of(r.server, "gw") == json::array({"biz-a2", "biz-b1"}); }));
  CHECK(r.server.policy_patches_applied() == 1);
  const json placed = *r.server.policy("PropagationPolicy", "ccos-anydoor", "gw");
  CHECK(placed["spec"]["placement"]["replicaScheduling"]["weightPreference"]["staticWeightList"][0]["targetCluster"]
              ["clusterNames"] == json::array({"biz-a2", "biz-b1"}));

  // biz-b1 moves to az1 (first by name there: biz-a2): one zone left.
  r.server.update("biz-b1", [](json& c) { c["spec"]["zones"] = json::array({"az1"}); });
  REQUIRE(eventually([&] { return names_of(r.server, "gw") == json::array({"biz-a2"}); }));
  // A new cluster in az2 brings the second zone back.
  r.server.create(business("biz-c1", "az2"));
  REQUIRE(eventually([&] { return names_of(r.server, "gw") == json::array({"biz-a2", "biz-c1"}); }));
  CHECK(r.server.policy_patches_applied() == 3);
  CHECK(eventually([&] { return r.metrics.patches.value() == 3; }));  // counted once the answer arrived
}

TEST_CASE("placement reconciler: 5xx on list and patch, a 409, a cut and an expired Cluster watch") {
  Running r;
  for (auto [n, z] : {std::pair{"biz-a1", "az1"}, {"biz-a2", "az1"}, {"biz-b1", "az2"}})
    r.server.create(business(n, z));
  r.server.put_policy(managed_policy("gw", {"biz-a1", "biz-b1"}));
  r.server.arm([](testing::Faults& f) {
    f.policy_list_5xx = 2;
    f.policy_patch_5xx = 1;
    f.policy_patch_conflicts = 1;
  });
  r.start();
  r.server.remove("biz-a1");  // leaves the set
  REQUIRE(eventually([&] { return names_of(r.server, "gw") == json::array({"biz-a2", "biz-b1"}); }, 5000ms));
  CHECK(r.metrics.errors.value({"list"}) >= 1);
  CHECK(r.metrics.conflicts.value() >= 1);
  const json after_conflict = *r.server.policy("PropagationPolicy", "ccos-anydoor", "gw");
  CHECK(after_conflict["metadata"]["labels"].contains("other-writer"));  // the other writer's change kept

  // The shared Cluster watch is cut mid-event, then expires (410): the inventory is listed again
  // and the next change still reaches the policy.
  r.server.arm([](testing::Faults& f) { f.watch_drop_after_events = 0; });
  r.server.end_watches(true);
  r.server.compact();
  r.server.end_watches(false);
  r.server.update("biz-a2", [](json& c) { c["status"]["conditions"][0]["status"] = "False"; });
  REQUIRE(eventually([&] { return names_of(r.server, "gw") == json::array({"biz-b1"}); }, 5000ms));
  const std::size_t patches = r.server.policy_patches_applied();
  std::this_thread::sleep_for(300ms);
  CHECK(r.server.policy_patches_applied() == patches);
}

}  // namespace
}  // namespace cell0::controllers
