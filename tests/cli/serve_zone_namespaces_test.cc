// `serve --cell0-kubeconfig`: the zone rules' namespace opt-in by annotation, read through the
// namespace cache from the protocol test server (v1 namespaces), over HTTPS /mutate; /readyz names
// the mode. The case is the golden zones-namespace-annotation-opts-in.yaml: its `namespaces:` are
// created on the test server instead of being handed to the rules directly.
#include <sys/wait.h>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "common/base64.h"
#include "tests/controllers/helpers.h"
#include "tests/policies/golden_case.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/forked_serve.h"

namespace cell0::cli {
namespace {

using nlohmann::json;
using testing::eventually;
using namespace std::chrono_literals;

testing::GoldenCase golden(const std::string& name) {
  for (auto& c : testing::load_golden_cases()) {
    if (c.name == name) return c;
  }
  FAIL("no golden case " << name);
  return {};
}

json admission_review(const std::string& uid, const json& pod) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", uid},
            {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
            {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
            {"operation", "CREATE"},
            {"namespace", pod["metadata"]["namespace"]},
            {"name", pod["metadata"]["name"]},
            {"object", pod},
            {"userInfo", {{"username", "system:serviceaccount:kube-system:replicaset-controller"}}}}}};
}

struct Served {
  testing::FakeApiServer apiserver;
  std::unique_ptr<testing::ForkedServe> serve;
  std::unique_ptr<httplib::SSLClient> client;

  explicit Served(bool with_cell0_credentials) : apiserver(namespace_server()) {
    const int port = testing::free_port();
    ServeSettings settings;
    settings.listen = "127.0.0.1:" + std::to_string(port);
    settings.state_dir = (apiserver.dir() / "state").string();
    settings.log_level = "error";
    settings.shutdown_grace = "5s";
    if (with_cell0_credentials) settings.cell0_kubeconfig = apiserver.write_kubeconfig(apiserver.cert_user()).string();
    auto config = resolve_settings(settings);
    REQUIRE(config.ok());
    CHECK(config->watch_cell0_namespaces() == with_cell0_credentials);
    serve = std::make_unique<testing::ForkedServe>(*config);
    client = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    client->set_ca_cert_path((apiserver.dir() / "state" / "ca.crt").c_str());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(5s);
  }
  static testing::FakeApiServer::Options namespace_server() {
    testing::FakeApiServer::Options o;
    o.collection = "/api/v1/namespaces";
    return o;
  }
  json readyz() {
    auto res = client->Get("/readyz");
    return res && res->status == 200 ? json::parse(res->body) : json();
  }
  // The pod as /mutate leaves it.
  json mutate(const json& pod) {
    auto res = client->Post("/mutate", admission_review("u1", pod).dump(), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const json response = json::parse(res->body).at("response");
    REQUIRE(response.at("uid") == "u1");
    REQUIRE(response.at("allowed") == true);
    if (!response.contains("patch")) return pod;
    const auto patch = common::base64_decode(response["patch"].get<std::string>());
    REQUIRE(patch);
    return pod.patch(json::parse(*patch));
  }
  void stop() {
    const auto status = serve->terminate(10s);
    REQUIRE(status.has_value());
    CHECK(WIFEXITED(*status));
  }
};

TEST_CASE("serve --cell0-kubeconfig: a namespace opted in by annotation through the namespace cache",
          "[serve][zones]") {
  const testing::GoldenCase c = golden("zones-namespace-annotation-opts-in");
  Served s(true);
  for (const auto& [name, annotations] : c.doc.at("namespaces").items())
    s.apiserver.create(testing::make_namespace(name, annotations));
  s.apiserver.create(testing::make_namespace("default"));

  std::string mode;
  CHECK(eventually(
      [&] {
        const json ready = s.readyz();
        mode = ready.is_object() ? ready.value("zoneNamespaces", "") : "";
        return mode.find("namespace cache of 3 namespaces") != std::string::npos;
      },
      10s));
  INFO("zoneNamespaces: " << mode);
  CHECK(mode.find("annotation descheduler.ccos.io/include=\"true\"") != std::string::npos);

  // The golden case, through the cache: the pod of `analytics` gets the NotIn term.
  CHECK(s.mutate(c.input.object) == c.doc.at("expect").at("object"));

  // `reports` says "false": unchanged, until the annotation turns "true" on the server.
  json pod = c.input.object;
  pod["metadata"]["namespace"] = "reports";
  CHECK(s.mutate(pod) == pod);
  s.apiserver.update("reports",
                     [](json& ns) { ns["metadata"]["annotations"]["descheduler.ccos.io/include"] = "true"; });
  json expected = c.doc.at("expect").at("object");
  expected["metadata"]["namespace"] = "reports";
  CHECK(eventually([&] { return s.mutate(pod) == expected; }, 3s));

  auto metrics = s.client->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("cell0_namespace_cache_namespaces 3") != std::string::npos);
  CHECK(metrics->body.find("cell0_namespace_cache_events_total{type=\"MODIFIED\"} 1") != std::string::npos);
  s.stop();
}

TEST_CASE("serve without Cell0 credentials: names only, and /readyz says so", "[serve][zones]") {
  const testing::GoldenCase c = golden("zones-namespace-annotation-opts-in");
  Served s(false);
  json ready;
  REQUIRE(eventually([&] { return (ready = s.readyz()).is_object(); }, 10s));
  CHECK(ready.value("zoneNamespaces", "").starts_with("names only"));
  CHECK(s.mutate(c.input.object) == c.input.object);  // the annotation is unknown: not opted in
  CHECK(s.apiserver.requests().empty());
  s.stop();
}

TEST_CASE("serve settings: --cell0-kubeconfig and --cell0-in-cluster") {
  ServeSettings s;
  s.cell0_in_cluster = true;
  s.cell0_kubeconfig = "/etc/hosts";
  auto both = resolve_settings(s);
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().message == "--cell0-kubeconfig and --cell0-in-cluster exclude each other");
  s = ServeSettings{};
  s.cell0_kubeconfig = "/nonexistent/kubeconfig";
  auto missing = resolve_settings(s);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "--cell0-kubeconfig: /nonexistent/kubeconfig is not a readable file");
  s = ServeSettings{};
  s.cell0_in_cluster = true;
  auto config = resolve_settings(s);
  REQUIRE(config.ok());
  CHECK(config->watch_cell0_namespaces());
  CHECK_FALSE(config->reconcile_taints());
}

}  // namespace
}  // namespace cell0::cli
