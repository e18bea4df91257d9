// /mutate and /validate over HTTPS: every golden case of tests/policies/golden through the real
// server (the JSON Patch the client gets, applied, must give the expected object), and the
// envelope rules: uid echo, 400 for malformed reviews, no patch from /validate, DELETE allowed.
// Each case's cluster inventory and subresource travel as serve would pass them; the majority
// gate's decisions are counted once per /validate.
#include <catch2/catch.hpp>

#include <fstream>

#include "common/base64.h"
#include "tests/certs/temp_dir.h"
#include "tests/policies/golden_case.h"
#include "tests/webhook/test_server.h"
#include "webhook/admission_codec.h"
#include "webhook/admission_endpoint.h"
#include "webhook/admission_policy_store.h"
#include "webhook/interpreter_endpoint.h"

namespace cell0::testing {
namespace {

using nlohmann::json;

common::Result<interp::InterpretResult> no_interpreter(const interp::InterpretRequest&) {
  return common::Error{common::ErrorKind::NoHook, "not in this test"};
}

// What the endpoints read (the policy, the cluster inventory, the namespace cache); a test swaps
// it between cases.
template <typename Snapshot>
struct Swappable {
  std::mutex mutex;
  Snapshot value;
  void set(Snapshot next) {
    std::lock_guard lock(mutex);
    value = std::move(next);
  }
  Snapshot get() {
    std::lock_guard lock(mutex);
    return value;
  }
};

struct AdmissionServer {
  Swappable<std::shared_ptr<const policies::Policy>> policy{{}, std::make_shared<const policies::Policy>()};
  Swappable<policies::ClusterSnapshot> clusters;
  common::MetricsRegistry rule_registry;
  webhook::AdmissionMetrics rule_metrics{rule_registry};
  Swappable<policies::NamespaceSnapshot> namespaces;
  TestServer server;
  AdmissionServer()
      : server(webhook::interpreter_endpoint(webhook::InterpretFn(no_interpreter)), TestServerOptions{},
               {{"/mutate", webhook::mutate_endpoint([this] { return policy.get(); }, [this] { return clusters.get(); },
                                                     [this] { return namespaces.get(); }, &rule_metrics)},
                {"/validate",
                 webhook::validate_endpoint([this] { return policy.get(); }, [this] { return clusters.get(); },
                                            [this] { return namespaces.get(); }, &rule_metrics)}}) {}
};

json review_body(const std::string& uid, const GoldenCase& c, const json& object) {
  const json& any = object.is_object() ? object : c.input.old_object;
  const std::string api_version = any.value("apiVersion", "");
  const auto slash = api_version.find('/');
  json request = {{"uid", uid},
                  {"kind",
                   {{"group", slash == std::string::npos ? "" : api_version.substr(0, slash)},
                    {"version", slash == std::string::npos ? api_version : api_version.substr(slash + 1)},
                    {"kind", any.value("kind", "")}}},
                  {"operation", c.operation},
                  {"name", any["metadata"].value("name", "")},
                  {"object", object},
                  {"oldObject", c.input.old_object},
                  {"userInfo", {{"username", "kubernetes-admin"}}},
                  {"dryRun", true}};
  if (!c.input.namespace_.empty()) request["namespace"] = c.input.namespace_;
  if (!c.input.sub_resource.empty()) request["subResource"] = c.input.sub_resource;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}};
}

json post(httplib::SSLClient& cli, const std::string& path, const json& body, int expected_status = 200) {
  auto res = cli.Post(path + "?timeout=10s", body.dump(), "application/json");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == expected_status);
  return json::parse(res->body);
}

TEST_CASE("golden admission cases over HTTPS: /mutate then /validate", "[admission][https]") {
  AdmissionServer s;
  auto cli = s.server.client();
  int checked = 0;
  for (const auto& c : load_golden_cases()) {
    const json& expect = c.doc.at("expect");
    if (expect.contains("policyError")) continue;
    INFO(c.name);
    auto load = policies::parse_policy(c.doc.value("policy", json()));
    REQUIRE(load.ok());
    s.policy.set(std::make_shared<const policies::Policy>(*load));
    s.namespaces.set(c.input.namespaces);
    s.clusters.set(c.input.clusters);
    const json gate = expect.value("gate", json());
    const common::LabelValues gate_labels = gate.is_object()
                                                ? common::LabelValues{gate.value("kind", ""), gate.value("result", "")}
                                                : common::LabelValues{};
    const double gate_before = s.rule_metrics.majority_gate_decisions.value(gate_labels);
    const std::string metrics_before = s.rule_registry.render();

    json object = c.input.object;
    bool allowed = true;
    std::string message;
    std::vector<std::string> warnings;
    if (c.stage != "validate") {
      const json reply = post(*cli, "/mutate", review_body(c.name + "-m", c, object));
      const json& r = reply.at("response");
      CHECK(reply["apiVersion"] == "admission.k8s.io/v1");
      CHECK(reply["kind"] == "AdmissionReview");
      CHECK(r["uid"] == c.name + "-m");
      allowed = r["allowed"].get<bool>();
      if (!allowed) message = r["status"]["message"];
      if (r.contains("patch")) {
        CHECK(r["patchType"] == "JSONPatch");
        auto decoded = common::base64_decode(r["patch"].get<std::string>());
        REQUIRE(decoded);
        object = object.patch(json::parse(*decoded));
      }
      for (const auto& w : r.value("warnings", json::array())) warnings.push_back(w);
    }
    if (allowed && c.stage != "mutate") {
      const json reply = post(*cli, "/validate", review_body(c.name + "-v", c, object));
      const json& r = reply.at("response");
      CHECK(r["uid"] == c.name + "-v");
      CHECK_FALSE(r.contains("patch"));
      CHECK_FALSE(r.contains("patchType"));
      allowed = r["allowed"].get<bool>();
      if (!allowed) {
        message = r["status"]["message"];
        if (expect.contains("code")) CHECK(r["status"]["code"] == expect["code"]);
      }
      for (const auto& w : r.value("warnings", json::array())) warnings.push_back(w);
    }
    INFO(message);
    REQUIRE(allowed == expect.at("allowed").get<bool>());
    if (allowed) {
      CHECK(object == (expect.value("unchanged", false) ? c.input.object : expect.at("object")));
      const json wanted = expect.value("warnings", json::array());
      REQUIRE(warnings.size() == wanted.size());
      for (std::size_t i = 0; i < warnings.size(); ++i) CHECK(contains_text(warnings[i], wanted[i].get<std::string>()));
    } else {
      CHECK(contains_text(message, expect.at("denial").get<std::string>()));
    }
    // The majority gate counts each decision once (on /validate); a request it never judged
    // (a /status write, another kind) leaves every count alone.
    if (gate.is_object()) {
      CHECK(s.rule_metrics.majority_gate_decisions.value(gate_labels) == gate_before + 1);
    } else {
      CHECK(s.rule_registry.render() == metrics_before);
    }
    ++checked;
  }
  CHECK(checked >= 90);
  CHECK(contains_text(s.rule_registry.render(),
                      "cell0_majority_gate_decisions_total{kind=\"MongoDB\",result=\"rejected\"}"));
}

TEST_CASE("an UPDATE review of two 3 MiB objects is accepted; /interpreter keeps its 3 MiB limit",
          "[admission][https]") {
  AdmissionServer s;
  auto cli = s.server.client();
  const json kind = {{"group", "policy.karmada.io"}, {"version", "v1alpha1"}, {"kind", "PropagationPolicy"}};
  json pp = {
      {"apiVersion", "policy.karmada.io/v1alpha1"},
      {"kind", "PropagationPolicy"},
      {"metadata", {{"name", "big"}, {"namespace", "tenant"}, {"annotations", {{"blob", std::string(3u << 20, 'x')}}}}},
      {"spec", {{"resourceSelectors", {{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}}}}}}};
  const json review = {{"apiVersion", "admission.k8s.io/v1"},
                       {"kind", "AdmissionReview"},
                       {"request",
                        {{"uid", "big-1"},
                         {"kind", kind},
                         {"operation", "UPDATE"},
                         {"namespace", "tenant"},
                         {"object", pp},
                         {"oldObject", pp}}}};
  auto res = cli->Post("/mutate", review.dump(), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["response"]["uid"] == "big-1");
  auto too_big = cli->Post("/interpreter", std::string(4u << 20, ' '), "application/json");
  REQUIRE(too_big);
  CHECK(too_big->status == 413);
}

TEST_CASE("AdmissionReview envelope over HTTPS", "[admission][https]") {
  AdmissionServer s;
  auto cli = s.server.client();
  const json pp = {{"apiVersion", "policy.karmada.io/v1alpha1"},
                   {"kind", "PropagationPolicy"},
                   {"metadata", {{"name", "dns"}, {"namespace", "ccos-dns"}}},
                   {"spec", {{"resourceSelectors", {{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}}}}}}};
  const json kind = {{"group", "policy.karmada.io"}, {"version", "v1alpha1"}, {"kind", "PropagationPolicy"}};
  auto review = [&](json request) {
    return json{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", std::move(request)}};
  };

  SECTION("a whitelisted PP gets a patch that adds the whole tolerations list") {
    const json reply = post(
        *cli, "/mutate",
        review({{"uid", "u-1"}, {"kind", kind}, {"operation", "CREATE"}, {"namespace", "ccos-dns"}, {"object", pp}}));
    const json& r = reply["response"];
    CHECK(r["uid"] == "u-1");
    CHECK(r["allowed"] == true);
    const json patch = json::parse(*common::base64_decode(r["patch"].get<std::string>()));
    CHECK(patch == json::parse(R"([{"op":"add","path":"/spec/placement","value":{"clusterTolerations":
      [{"effect":"NoSchedule","key":"pure-control-cluster","operator":"Exists"}]}}])"));
    CHECK(r["auditAnnotations"].contains("pure-control-toleration"));
  }
  SECTION("nothing to change: no patch, no patchType") {
    json tolerated = pp;
    tolerated["spec"]["placement"]["clusterTolerations"] = {{{"key", "pure-control-cluster"}, {"operator", "Exists"}}};
    const json r =
        post(*cli, "/mutate",
             review({{"uid", "u-2"}, {"kind", kind}, {"operation", "CREATE"}, {"object", tolerated}}))["response"];
    CHECK(r["allowed"] == true);
    CHECK_FALSE(r.contains("patch"));
    CHECK_FALSE(r.contains("patchType"));
  }
  SECTION("DELETE carries no object and is allowed") {
    const json r =
        post(*cli, "/validate",
             review({{"uid", "u-3"}, {"kind", kind}, {"operation", "DELETE"}, {"oldObject", pp}}))["response"];
    CHECK(r == json{{"uid", "u-3"}, {"allowed", true}});
  }
  SECTION("a kind the webhook does not own is allowed unchanged") {
    const json daemonset = {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"metadata", {{"name", "x"}}}};
    const json apps = {{"group", "apps"}, {"version", "v1"}, {"kind", "DaemonSet"}};
    const json r =
        post(*cli, "/mutate",
             review({{"uid", "u-4"}, {"kind", apps}, {"operation", "CREATE"}, {"object", daemonset}}))["response"];
    CHECK(r == json{{"uid", "u-4"}, {"allowed", true}});
  }
  SECTION("a denial carries status code and message") {
    json tenant = pp;
    tenant["metadata"]["namespace"] = "tenant-a";
    tenant["spec"]["placement"]["clusterTolerations"] = {{{"key", "pure-control-cluster"}, {"operator", "Exists"}}};
    const json r = post(*cli, "/validate",
                        review({{"uid", "u-5"},
                                {"kind", kind},
                                {"operation", "CREATE"},
                                {"namespace", "tenant-a"},
                                {"object", tenant}}))["response"];
    CHECK(r["allowed"] == false);
    CHECK(r["status"]["code"] == 403);
    CHECK(contains_text(r["status"]["message"], "pure-control-cluster:NoSchedule"));
  }
  SECTION("malformed reviews get HTTP 400 with a message, echoing the uid when there is one") {
    json r = post(
        *cli, "/mutate",
        json{{"kind", "AdmissionReview"}, {"apiVersion", "admission.k8s.io/v1beta1"}, {"request", {{"uid", "u-6"}}}},
        400);
    CHECK(r["response"]["uid"] == "u-6");
    CHECK(contains_text(r["response"]["status"]["message"], "admissionReviewVersions [v1]"));
    r = post(*cli, "/mutate", review({{"kind", kind}, {"operation", "CREATE"}, {"object", pp}}), 400);
    CHECK(contains_text(r["response"]["status"]["message"], "request.uid is missing"));
    r = post(*cli, "/validate", review({{"uid", "u-7"}, {"kind", kind}, {"operation", "PATCH"}, {"object", pp}}), 400);
    CHECK(r["response"]["uid"] == "u-7");
    CHECK(contains_text(r["response"]["status"]["message"], "request.operation \"PATCH\""));
    r = post(*cli, "/validate", review({{"uid", "u-8"}, {"kind", kind}, {"operation", "UPDATE"}, {"object", pp}}), 400);
    CHECK(contains_text(r["response"]["status"]["message"], "oldObject is missing"));
    r = post(*cli, "/mutate", json::array({1, 2}), 400);
    CHECK(r["kind"] == "AdmissionReview");
    auto res = cli->Post("/mutate", "{not json", "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(contains_text(json::parse(res->body)["response"]["status"]["message"], "malformed JSON"));
  }
  SECTION("no policy loaded: decodable reviews are denied with 503, not dropped") {
    s.policy.set(nullptr);
    const json r = post(*cli, "/mutate",
                        review({{"uid", "u-9"}, {"kind", kind}, {"operation", "CREATE"}, {"object", pp}}))["response"];
    CHECK(r["uid"] == "u-9");
    CHECK(r["allowed"] == false);
    CHECK(r["status"]["code"] == 503);
  }
}

TEST_CASE("policy store: defaults without a file, reload keeps the last good policy", "[admission]") {
  SECTION("no file: the defaults at once") {
    webhook::PolicyStore store({});
    REQUIRE(store.current());
    CHECK(store.current()->whitelist.enforcement == policies::Enforcement::Reject);
    CHECK(store.load().ok());
  }
  SECTION("a file, then a broken version of it") {
    TempDir dir;
    const auto file = dir.path() / "policy.yaml";
    std::ofstream(file) << "apiVersion: cell0.ccos.io/v1alpha1\nkind: WebhookPolicy\nwhitelist: {enforcement: Warn}\n";
    webhook::PolicyStore store(file);
    CHECK_FALSE(store.current());
    REQUIRE(store.load().ok());
    CHECK(store.current()->whitelist.enforcement == policies::Enforcement::Warn);
    std::ofstream(file) << "whitelist: {enforcement: Sometimes}\n";
    const auto outcome = store.load();
    CHECK_FALSE(outcome.ok());
    CHECK(contains_text(outcome.error().message, "whitelist.enforcement: must be one of Reject, Strip, Warn"));
    CHECK(store.current()->whitelist.enforcement == policies::Enforcement::Warn);
    std::ofstream(file) << "whitelist: {enforcement: Strip}\n";
    REQUIRE(store.load().ok());
    CHECK(store.current()->whitelist.enforcement == policies::Enforcement::Strip);
  }
}

}  // namespace
}  // namespace cell0::testing
