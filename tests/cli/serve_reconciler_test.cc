// `serve --kubeconfig`: the reconciler runs beside the webhook, reports metrics on /metrics and
// stops with it on SIGTERM; its cluster inventory reaches the majority gate.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "cli/serve_command.h"
#include "cli/serve_settings.h"
#include "tests/controllers/helpers.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/forked_serve.h"

namespace cell0::cli {
namespace {

using cell0::testing::free_port;
using nlohmann::json;
using testing::eventually;
using testing::make_cluster;
using namespace std::chrono_literals;

TEST_CASE("serve --kubeconfig keeps the taint, exports metrics and exits 0 on SIGTERM", "[serve]") {
  testing::FakeApiServer server;
  server.create(make_cluster("cell0", {{"cluster.ccos.io/pure-control", "true"}}));
  server.create(make_cluster("cellx"));
  const int port = free_port();
  ServeSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(port);
  settings.state_dir = (server.dir() / "state").string();
  settings.log_level = "error";
  settings.shutdown_grace = "5s";
  settings.kubeconfig = server.write_kubeconfig(server.cert_user()).string();
  auto config = resolve_settings(settings);
  REQUIRE(config.ok());
  CHECK(config->reconcile_taints());

  cell0::testing::ForkedServe serve(*config);

  const bool tainted = eventually([&] { return testing::has_taint(*server.cluster("cell0")); }, 10s);
  std::string metrics;
  if (tainted) {
    server.create(make_cluster("cell0-b", {{"cluster.ccos.io/pure-control", "true"}}));
    CHECK(eventually([&] { return testing::has_taint(*server.cluster("cell0-b")); }, 2s));
    httplib::SSLClient cli("127.0.0.1", port);
    cli.set_ca_cert_path((server.dir() / "state" / "ca.crt").c_str());
    cli.enable_server_certificate_verification(true);
    cli.set_read_timeout(std::chrono::seconds(5));
    eventually([&] {
      auto res = cli.Get("/metrics");
      metrics = res ? res->body : "";
      return metrics.find("cell0_taint_reconciler_cache_clusters 3") != std::string::npos;
    });
  }
  const auto status = serve.terminate(std::chrono::seconds(10));
  REQUIRE(tainted);
  CHECK_FALSE(testing::has_taint(*server.cluster("cellx")));
  CHECK(server.patches_applied() == 2);
  CHECK(metrics.find("cell0_taint_reconciler_patches_total{action=\"add\"} 2") != std::string::npos);
  CHECK(metrics.find("cell0_taint_reconciler_cache_clusters 3") != std::string::npos);
  CHECK(metrics.find("cell0_taint_reconciler_last_sync_timestamp_seconds") != std::string::npos);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

json binding_review(const std::string& uid, const json& targets) {
  const json resource = {
      {"apiVersion", "mongo.daocloud.io/v1alpha1"}, {"kind", "MongoDB"}, {"namespace", "db"}, {"name", "mongo"}};
  json rb = {{"apiVersion", "work.karmada.io/v1alpha2"},
             {"kind", "ResourceBinding"},
             {"metadata", {{"name", "mongo-mongodb"}, {"namespace", "db"}}},
             {"spec", {{"resource", resource}, {"replicas", 3}, {"placement", json::object()}}}};
  json old = rb;
  rb["spec"]["clusters"] = targets;
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", uid},
            {"kind", {{"group", "work.karmada.io"}, {"version", "v1alpha2"}, {"kind", "ResourceBinding"}}},
            {"operation", "UPDATE"},
            {"namespace", "db"},
            {"object", rb},
            {"oldObject", old}}}};
}

TEST_CASE("serve --kubeconfig: the majority gate counts the reconciler's clusters and reports on /metrics", "[serve]") {
  testing::FakeApiServer server;
  for (const char* name : {"m1", "m2", "m3", "m4", "m5"}) server.create(make_cluster(name));
  const int port = free_port();
  ServeSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(port);
  settings.state_dir = (server.dir() / "state").string();
  settings.log_level = "error";
  settings.shutdown_grace = "5s";
  settings.kubeconfig = server.write_kubeconfig(server.cert_user()).string();
  auto config = resolve_settings(settings);
  REQUIRE(config.ok());
  cell0::testing::ForkedServe serve(*config);

  httplib::SSLClient cli("127.0.0.1", port);
  cli.set_ca_cert_path((server.dir() / "state" / "ca.crt").c_str());
  cli.enable_server_certificate_verification(true);
  cli.set_read_timeout(std::chrono::seconds(5));
  std::string metrics;
  const bool listed = eventually(
      [&] {
        auto res = cli.Get("/metrics");
        metrics = res ? res->body : "";
        return metrics.find("cell0_taint_reconciler_cache_clusters 5") != std::string::npos;
      },
      10s);
  json denied, allowed;
  if (listed) {
    auto res =
        cli.Post("/validate",
                 binding_review("g1", json::parse(R"([{"name":"m1","replicas":2},{"name":"m2","replicas":1}])")).dump(),
                 "application/json");
    if (res) denied = json::parse(res->body);
    res = cli.Post(
        "/validate",
        binding_review(
            "g2", json::parse(R"([{"name":"m1","replicas":1},{"name":"m2","replicas":1},{"name":"m3","replicas":1}])"))
            .dump(),
        "application/json");
    if (res) allowed = json::parse(res->body);
    auto scraped = cli.Get("/metrics");
    metrics = scraped ? scraped->body : "";
  }
  serve.terminate(std::chrono::seconds(10));
  REQUIRE(listed);
  INFO(denied.dump());
  CHECK(denied["response"]["allowed"] == false);
  CHECK(denied["response"]["status"]["code"] == 403);
  CHECK(denied["response"]["status"]["message"].get<std::string>().find(
            "hosting: m1, m2; candidates: m1, m2, m3, m4, m5") != std::string::npos);
  CHECK(allowed["response"]["allowed"] == true);
  CHECK(metrics.find("cell0_majority_gate_decisions_total{kind=\"MongoDB\",result=\"rejected\"} 1") !=
        std::string::npos);
  CHECK(metrics.find("cell0_majority_gate_decisions_total{kind=\"MongoDB\",result=\"allowed\"} 1") !=
        std::string::npos);
}

TEST_CASE("serve settings: --kubeconfig, --context, --in-cluster") {
  ServeSettings s;
  s.in_cluster = true;
  s.kubeconfig = "/etc/hosts";
  auto both = resolve_settings(s);
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().message == "--kubeconfig and --in-cluster exclude each other");
  s = ServeSettings{};
  s.context = "x";
  REQUIRE_FALSE(resolve_settings(s).ok());
  s = ServeSettings{};
  s.kubeconfig = "/nonexistent/kubeconfig";
  auto missing = resolve_settings(s);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "--kubeconfig: /nonexistent/kubeconfig is not a readable file");
}

}  // namespace
}  // namespace cell0::cli
