#include <fstream>

#include <catch2/catch.hpp>

#include "kube/kube_client.h"
#include "tests/controllers/helpers.h"
#include "tests/support/fake_apiserver.h"

namespace cell0::kube {
namespace {

using Catch::Matchers::Contains;
using nlohmann::json;
using testing::FakeApiServer;
using testing::make_cluster;
using namespace std::chrono_literals;

KubeConnection connection_for(const FakeApiServer& server, const json& user, const std::string& ca = {}) {
  auto c = load_kubeconfig(server.write_kubeconfig(user, ca));
  REQUIRE(c.ok());
  return *c;
}

KubeClientOptions fast() { return testing::fast_options().client; }

TEST_CASE("client: paginated list with a client certificate") {
  FakeApiServer server;
  for (const char* name : {"a", "b", "c", "d", "e"}) server.create(make_cluster(name));
  KubeClient client(connection_for(server, server.cert_user()), fast());
  auto listed = client.list(controllers::kClustersPath);
  REQUIRE(listed.ok());
  CHECK(listed->items.size() == 5);
  CHECK(listed->pages == 3);
  CHECK(listed->resource_version == std::to_string(server.resource_version()));
  CHECK(listed->items[4]["metadata"]["name"] == "e");
  const auto log = server.requests();
  REQUIRE(log.size() == 3);
  CHECK(log[0].path == std::string(controllers::kClustersPath) + "?limit=2");
  CHECK_THAT(log[1].path, Contains("continue="));
  CHECK(log[0].auth == "cert");
}

TEST_CASE("client: an expired continue token restarts the list") {
  FakeApiServer server;
  for (const char* name : {"a", "b", "c"}) server.create(make_cluster(name));
  server.arm([](testing::Faults& f) { f.continue_expired = 1; });
  KubeClient client(connection_for(server, server.token_user("good-token")), fast());
  auto listed = client.list(controllers::kClustersPath);
  REQUIRE(listed.ok());
  CHECK(listed->items.size() == 3);
  CHECK(server.count("GET") == 4);  // page 1, expired page 2, then pages 1 and 2 again
  CHECK(server.requests()[0].auth == "token");
}

TEST_CASE("client: get and a guarded JSON patch") {
  FakeApiServer server;
  const json created = server.create(make_cluster("a"));
  KubeClient client(connection_for(server, server.cert_user()), fast());
  const std::string path = std::string(controllers::kClustersPath) + "/a";
  auto got = client.get(path);
  REQUIRE(got.ok());
  CHECK(*got == created);
  const json add = json::parse(R"([{"op":"add","path":"/spec/taints","value":[{"key":"k","effect":"NoSchedule"}]}])");
  auto stale = client.json_patch(path, add, "1");
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().http_status == 409);
  CHECK(stale.error().reason == "Conflict");
  CHECK(stale.error().kind == common::ErrorKind::Api);
  auto patched = client.json_patch(path, add, created["metadata"]["resourceVersion"]);
  REQUIRE(patched.ok());
  CHECK((*patched)["spec"]["taints"][0]["key"] == "k");
  CHECK(server.patches_applied() == 1);
  auto missing = client.get(std::string(controllers::kClustersPath) + "/nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().http_status == 404);
}

TEST_CASE("client: a server certificate from another CA is refused") {
  FakeApiServer server;
  KubeClient client(connection_for(server, server.cert_user(), server.other_ca_pem()), fast());
  auto listed = client.list(controllers::kClustersPath);
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.error().http_status == 0);
  CHECK_THAT(listed.error().message, Contains("server certificate refused") && Contains("certificate-authority"));
  CHECK(server.requests().empty());
}

TEST_CASE("client: the wrong host name is refused, tls-server-name fixes it") {
  FakeApiServer server;
  KubeConnection c = connection_for(server, server.cert_user());
  c.tls_server_name = "karmada.example";
  {
    KubeClient client(c, fast());
    auto r = client.list(controllers::kClustersPath);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Contains("server certificate refused"));
  }
  c.tls_server_name = "localhost";
  KubeClient client(c, fast());
  CHECK(client.list(controllers::kClustersPath).ok());
}

TEST_CASE("client: insecure-skip-tls-verify connects without a CA") {
  FakeApiServer server;
  KubeConnection c = connection_for(server, server.token_user("good-token"));
  c.ca_pem.clear();
  c.insecure_skip_tls_verify = true;
  KubeClient client(c, fast());
  CHECK(client.list(controllers::kClustersPath).ok());
}

TEST_CASE("client: an expired token gives a clear 401") {
  FakeApiServer server;
  server.set_token("rotated");
  KubeClient client(connection_for(server, server.token_user("good-token")), fast());
  auto r = client.list(controllers::kClustersPath);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().http_status == 401);
  CHECK_THAT(r.error().text(), Contains("HTTP 401 Unauthorized") && Contains("refused the credentials of kubeconfig") &&
                                   Contains("token expired or revoked"));
}

TEST_CASE("client: a rotated token file is read again after a 401") {
  FakeApiServer server;
  const auto token_file = server.dir() / "token";
  std::ofstream(token_file) << "good-token\n";
  KubeClient client(connection_for(server, {{"tokenFile", token_file.string()}}), fast());
  REQUIRE(client.list(controllers::kClustersPath).ok());
  server.set_token("second-token");
  std::ofstream(token_file) << "second-token\n";
  auto r = client.list(controllers::kClustersPath);
  REQUIRE(r.ok());
  const auto log = server.requests();
  CHECK(log.back().auth == "token");
}

TEST_CASE("client: a slow server hits the request timeout") {
  FakeApiServer server;
  server.arm([](testing::Faults& f) {
    f.slow_requests = 1;
    f.slow = 1500ms;
  });
  KubeClientOptions o = fast();
  o.request_timeout = 300ms;
  KubeClient client(connection_for(server, server.cert_user()), o);
  const auto start = std::chrono::steady_clock::now();
  auto r = client.get(std::string(controllers::kClustersPath) + "/a");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().reason == "Timeout");
  CHECK(std::chrono::steady_clock::now() - start < 1200ms);
}

TEST_CASE("client: 5xx is an error with the server's message") {
  FakeApiServer server;
  server.arm([](testing::Faults& f) { f.list_5xx = 1; });
  KubeClient client(connection_for(server, server.cert_user()), fast());
  auto r = client.list(controllers::kClustersPath);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().http_status == 500);
  CHECK_THAT(r.error().message, Contains("injected fault"));
}

TEST_CASE("client: watch delivers events and bookmarks, ends cleanly at timeoutSeconds") {
  FakeApiServer server({100ms});
  server.create(make_cluster("a"));
  const std::string from = std::to_string(server.resource_version());
  KubeClientOptions o = fast();
  o.watch_timeout = 1s;
  KubeClient client(connection_for(server, server.cert_user()), o);
  std::vector<std::string> types;
  std::thread writer([&] {
    std::this_thread::sleep_for(150ms);
    server.create(make_cluster("b"));
    server.update("a", [](json& c) { c["metadata"]["labels"]["x"] = "y"; });
    server.remove("b");
  });
  const auto outcome = client.watch(controllers::kClustersPath, from, [&](const WatchEvent& e) {
    types.push_back(e.type);
    return true;
  });
  writer.join();
  CHECK(outcome.end == WatchEnd::Closed);
  CHECK(outcome.resource_version == std::to_string(server.resource_version()));
  std::vector<std::string> changes;
  for (const auto& t : types) {
    if (t != "BOOKMARK") changes.push_back(t);
  }
  CHECK(changes == std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"});
  CHECK(std::count(types.begin(), types.end(), "BOOKMARK") >= 3);
  CHECK_THAT(server.requests().back().path,
             Contains("allowWatchBookmarks=true") && Contains("resourceVersion=" + from));
}

TEST_CASE("client: watch from a compacted version is Gone, a dropped or silent stream Failed") {
  FakeApiServer server({100ms});
  server.create(make_cluster("a"));
  const std::string old = std::to_string(server.resource_version());
  server.create(make_cluster("b"));
  server.compact();
  KubeClient client(connection_for(server, server.cert_user()), fast());
  auto ignore = [](const WatchEvent&) { return true; };
  const auto gone = client.watch(controllers::kClustersPath, old, ignore);
  CHECK(gone.end == WatchEnd::Gone);
  CHECK(gone.error.reason == "Expired");

  server.arm([](testing::Faults& f) { f.watch_drop_after_events = 1; });
  server.create(make_cluster("c"));
  server.create(make_cluster("d"));
  const auto dropped = client.watch(controllers::kClustersPath, std::to_string(server.resource_version() - 2), ignore);
  CHECK(dropped.end == WatchEnd::Failed);
  CHECK(dropped.events == 1);

  server.arm([](testing::Faults& f) { f.silent_watches = 1; });
  const auto start = std::chrono::steady_clock::now();
  const auto silent = client.watch(controllers::kClustersPath, std::to_string(server.resource_version()), ignore);
  CHECK(silent.end == WatchEnd::Failed);
  CHECK_THAT(silent.error.message, Contains("silent"));
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("client: cancel ends a running watch at once") {
  FakeApiServer server({5000ms});
  KubeClientOptions o = fast();
  o.watch_idle_timeout = 10s;
  o.watch_timeout = 10s;
  KubeClient client(connection_for(server, server.cert_user()), o);
  WatchOutcome outcome;
  std::thread watcher(
      [&] { outcome = client.watch(controllers::kClustersPath, "", [](const WatchEvent&) { return true; }); });
  REQUIRE(testing::eventually([&] { return server.active_watches() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  client.cancel();
  watcher.join();
  CHECK(outcome.end == WatchEnd::Stopped);
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK_FALSE(client.get(std::string(controllers::kClustersPath) + "/a").ok());
}

}  // namespace
}  // namespace cell0::kube
