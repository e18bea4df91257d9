#include <catch2/catch.hpp>

#include "policies/cluster_taint_reconcile.h"
#include "tests/support/fake_apiserver.h"

namespace cell0::policies {
namespace {

using nlohmann::json;
using testing::make_cluster;

const json kTaint = {{"key", "pure-control-cluster"}, {"effect", "NoSchedule"}};
const json kOther = {{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoExecute"}};

TEST_CASE("plan: a marked cluster without the taint gets it appended, others kept") {
  const PureControl pc;
  const json c = make_cluster("a", {{"cluster.ccos.io/pure-control", "true"}}, json::array({kOther}));
  const auto plan = plan_cluster_taint(c, pc);
  CHECK(plan.pure_control);
  CHECK(plan.action == TaintAction::Add);
  CHECK(plan.patch == json::parse(R"([{"op":"add","path":"/spec/taints/-","value":{"key":"pure-control-cluster","effect":"NoSchedule"}}])"));
  CHECK(apply_cluster_taint_plan(c, plan)["spec"]["taints"] == json::array({kOther, kTaint}));
}

TEST_CASE("plan: no taints list yet, or no spec at all") {
  const PureControl pc;
  json c = make_cluster("a", {{"cluster.ccos.io/pure-control", "true"}});
  CHECK(apply_cluster_taint_plan(c, plan_cluster_taint(c, pc))["spec"]["taints"] == json::array({kTaint}));
  c["spec"]["taints"] = nullptr;
  CHECK(apply_cluster_taint_plan(c, plan_cluster_taint(c, pc))["spec"]["taints"] == json::array({kTaint}));
  c.erase("spec");
  CHECK(apply_cluster_taint_plan(c, plan_cluster_taint(c, pc))["spec"]["taints"] == json::array({kTaint}));
}

TEST_CASE("plan: marked by name from clusterNames, and the label value must be true") {
  PureControl pc;
  pc.cluster_names = {"cell0"};
  CHECK(plan_cluster_taint(make_cluster("cell0"), pc).action == TaintAction::Add);
  CHECK(plan_cluster_taint(make_cluster("cellx", {{"cluster.ccos.io/pure-control", "false"}}), pc).action ==
        TaintAction::None);
}

TEST_CASE("plan: an un-marked cluster loses every copy of the taint and nothing else") {
  const PureControl pc;
  const json c = make_cluster("a", json::object(), json::array({kTaint, kOther, kTaint}));
  const auto plan = plan_cluster_taint(c, pc);
  CHECK_FALSE(plan.pure_control);
  CHECK(plan.action == TaintAction::Remove);
  CHECK(plan.patch.size() == 4);  // test + remove, highest index first
  CHECK(plan.patch[0]["path"] == "/spec/taints/2");
  CHECK(apply_cluster_taint_plan(c, plan)["spec"]["taints"] == json::array({kOther}));
}

TEST_CASE("plan: holding clusters need nothing, and the same key with another effect is not ours") {
  const PureControl pc;
  CHECK(plan_cluster_taint(make_cluster("a", {{"cluster.ccos.io/pure-control", "true"}}, json::array({kTaint})), pc)
            .action == TaintAction::None);
  const json noexec = {{"key", "pure-control-cluster"}, {"effect", "NoExecute"}};
  CHECK(plan_cluster_taint(make_cluster("b", json::object(), json::array({noexec})), pc).action == TaintAction::None);
  CHECK(plan_cluster_taint(make_cluster("c"), pc).action == TaintAction::None);
}

TEST_CASE("plan: the policy's own taint and label") {
  PureControl pc;
  pc.taint = {"example.com/control-only", "NoExecute"};
  pc.cluster_label = "example.com/control";
  const json c = make_cluster("a", {{"example.com/control", "true"}}, json::array({kTaint}));
  const auto plan = plan_cluster_taint(c, pc);
  CHECK(plan.action == TaintAction::Add);
  CHECK(apply_cluster_taint_plan(c, plan)["spec"]["taints"].size() == 2);
}

}  // namespace
}  // namespace cell0::policies
