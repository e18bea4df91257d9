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
  CHECK(plan.patch ==
        json::parse(
            R"([{"op":"add","path":"/spec/taints/-","value":{"key":"pure-control-cluster","effect":"NoSchedule"}}])"));
  CHECK(apply_cluster_taint_plan_for_test(c, plan)["spec"]["taints"] == json::array({kOther, kTaint}));
}

TEST_CASE("plan: no taints list yet, or no spec at all") {
  const PureControl pc;
  json c = make_cluster("a", {{"cluster.ccos.io/pure-control", "true"}});
  CHECK(apply_cluster_taint_plan_for_test(c, plan_cluster_taint(c, pc))["spec"]["taints"] == json::array({kTaint}));
  c["spec"]["taints"] = nullptr;
  CHECK(apply_cluster_taint_plan_for_test(c, plan_cluster_taint(c, pc))["spec"]["taints"] == json::array({kTaint}));
  c.erase("spec");
  CHECK(apply_cluster_taint_plan_for_test(c, plan_cluster_taint(c, pc))["spec"]["taints"] == json::array({kTaint}));
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
  CHECK(apply_cluster_taint_plan_for_test(c, plan)["spec"]["taints"] == json::array({kOther}));
}

TEST_CASE("plan: holding clusters need nothing; the reserved key with another effect is ours to remove") {
  const PureControl pc;
  CHECK(plan_cluster_taint(make_cluster("a", {{"cluster.ccos.io/pure-control", "true"}}, json::array({kTaint})), pc)
            .action == TaintAction::None);
  const json noexec = {{"key", "pure-control-cluster"}, {"effect", "NoExecute"}};
  const json b = make_cluster("b", json::object(), json::array({kOther, noexec}));
  const auto plan = plan_cluster_taint(b, pc);
  CHECK(plan.action == TaintAction::Remove);
  CHECK(apply_cluster_taint_plan_for_test(b, plan)["spec"]["taints"] == json::array({kOther}));
  CHECK(plan_cluster_taint(make_cluster("c"), pc).action == TaintAction::None);
}

TEST_CASE("plan: variants of the reserved key on a marked cluster become one canonical taint in place") {
  const PureControl pc;
  const json valued = {{"key", "pure-control-cluster"}, {"value", "true"}, {"effect", "NoSchedule"}};
  const json noexec = {{"key", "pure-control-cluster"}, {"effect", "NoExecute"}};
  const json marked = {{"cluster.ccos.io/pure-control", "true"}};

  const json only_variant = make_cluster("a", marked, json::array({kOther, valued}));
  auto plan = plan_cluster_taint(only_variant, pc);
  CHECK(plan.action == TaintAction::Replace);
  CHECK(plan.patch[0] == json{{"op", "test"}, {"path", "/spec/taints/1"}, {"value", valued}});
  CHECK(apply_cluster_taint_plan_for_test(only_variant, plan)["spec"]["taints"] == json::array({kOther, kTaint}));

  const json mixed = make_cluster("b", marked, json::array({noexec, kOther, kTaint, valued, kTaint}));
  plan = plan_cluster_taint(mixed, pc);
  CHECK(plan.action == TaintAction::Replace);
  CHECK(apply_cluster_taint_plan_for_test(mixed, plan)["spec"]["taints"] == json::array({kOther, kTaint}));

  const json variants_first = make_cluster("c", marked, json::array({valued, noexec, kOther}));
  CHECK(apply_cluster_taint_plan_for_test(variants_first, plan_cluster_taint(variants_first, pc))["spec"]["taints"] ==
        json::array({kTaint, kOther}));
  // A canonical taint is kept as it is (timeAdded and all).
  json stamped = kTaint;
  stamped["timeAdded"] = "2026-12-01T00:00:00Z";
  const json d = make_cluster("d", marked, json::array({valued, stamped}));
  CHECK(apply_cluster_taint_plan_for_test(d, plan_cluster_taint(d, pc))["spec"]["taints"] == json::array({stamped}));
}

TEST_CASE("plan: a configured value is part of the canonical taint") {
  PureControl pc;
  pc.taint.value = "cell0";
  const json valued = {{"key", "pure-control-cluster"}, {"value", "cell0"}, {"effect", "NoSchedule"}};
  const json c = make_cluster("a", {{"cluster.ccos.io/pure-control", "true"}}, json::array({kTaint}));
  const auto plan = plan_cluster_taint(c, pc);
  CHECK(plan.action == TaintAction::Replace);
  CHECK(apply_cluster_taint_plan_for_test(c, plan)["spec"]["taints"] == json::array({valued}));
  CHECK(plan_cluster_taint(make_cluster("b", {{"cluster.ccos.io/pure-control", "true"}}, json::array({valued})), pc)
            .action == TaintAction::None);
}

TEST_CASE("plan: the policy's own taint and label") {
  PureControl pc;
  pc.taint = {"example.com/control-only", "NoExecute", ""};
  pc.cluster_label = "example.com/control";
  const json c = make_cluster("a", {{"example.com/control", "true"}}, json::array({kTaint}));
  const auto plan = plan_cluster_taint(c, pc);
  CHECK(plan.action == TaintAction::Add);
  CHECK(apply_cluster_taint_plan_for_test(c, plan)["spec"]["taints"].size() == 2);
}

}  // namespace
}  // namespace cell0::policies
