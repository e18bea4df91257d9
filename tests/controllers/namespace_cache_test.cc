// The Cell0 namespace cache against the protocol test server serving v1 namespaces: list, watch,
// kept annotations, 410 Gone, failing lists, metrics.
#include <catch2/catch.hpp>

#include "controllers/namespace_cache.h"
#include "tests/controllers/helpers.h"
#include "tests/support/fake_apiserver.h"

namespace cell0::controllers {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::FakeApiServer;
using testing::make_namespace;
using namespace std::chrono_literals;

constexpr const char* kInclude = "descheduler.ccos.io/include";

FakeApiServer::Options namespace_server() {
  FakeApiServer::Options o;
  o.bookmark_interval = 100ms;
  o.collection = kNamespacesPath;
  return o;
}

NamespaceCacheOptions fast_cache_options() {
  const TaintReconcilerOptions fast = testing::fast_options();
  NamespaceCacheOptions o;
  o.client = fast.client;
  o.backoff_initial = fast.backoff_initial;
  o.backoff_max = fast.backoff_max;
  o.annotation_keys = {kInclude};
  return o;
}

struct Running {
  FakeApiServer server{namespace_server()};
  common::MetricsRegistry registry;
  NamespaceCacheMetrics metrics{registry};
  std::unique_ptr<NamespaceCache> cache;
  void start() {
    auto c = kube::load_kubeconfig(server.write_kubeconfig(server.cert_user()));
    REQUIRE(c.ok());
    cache = std::make_unique<NamespaceCache>(*c, fast_cache_options(), &metrics);
    cache->start();
    REQUIRE(eventually([&] { return cache->synced(); }));
    REQUIRE(eventually([&] { return server.active_watches() >= 1; }));
  }
  std::optional<std::string> include(const std::string& ns) const {
    const auto view = cache->shared();
    if (!view || !view->count(ns)) return std::nullopt;
    const auto& annotations = view->at(ns);
    const auto it = annotations.find(kInclude);
    return it == annotations.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

TEST_CASE("namespace cache: null before the first list, then every namespace with only the kept annotations") {
  Running r;
  for (int i = 0; i < 5; ++i) r.server.create(make_namespace("plain-" + std::to_string(i)));  // pages of 2
  r.server.create(
      make_namespace("analytics", {{kInclude, "true"}, {"kubectl.kubernetes.io/last-applied-configuration", "{}"}}));
  auto c = kube::load_kubeconfig(r.server.write_kubeconfig(r.server.cert_user()));
  REQUIRE(c.ok());
  NamespaceCache cache(*c, fast_cache_options(), &r.metrics);
  CHECK(cache.shared() == nullptr);
  CHECK_FALSE(cache.synced());
  REQUIRE(cache.list_once().ok());
  const auto view = cache.shared();
  REQUIRE(view);
  CHECK(view->size() == 6);
  CHECK(view->at("analytics") == policies::NamespaceAnnotations{{kInclude, "true"}});
  CHECK(view->at("plain-0").empty());
}

TEST_CASE("namespace cache: an annotation added, changed or a namespace deleted shows within 2 s") {
  Running r;
  r.server.create(make_namespace("analytics"));
  r.server.create(make_namespace("reports", {{kInclude, "true"}}));
  r.start();
  CHECK_FALSE(r.include("analytics"));
  CHECK(r.include("reports") == "true");
  const auto before = r.cache->shared();
  r.server.update("analytics", [](json& ns) { ns["metadata"]["annotations"][kInclude] = "true"; });
  CHECK(eventually([&] { return r.include("analytics") == "true"; }));
  CHECK_FALSE(before->at("analytics").count(kInclude));  // a reader's snapshot never changes under it
  r.server.update("reports", [](json& ns) { ns["metadata"]["annotations"][kInclude] = "false"; });
  CHECK(eventually([&] { return r.include("reports") == "false"; }));
  r.server.create(make_namespace("late", {{kInclude, "true"}}));
  CHECK(eventually([&] { return r.include("late") == "true"; }));
  r.server.remove("analytics");
  CHECK(eventually([&] { return r.cache->shared()->count("analytics") == 0; }));
  const std::string text = r.registry.render();
  CHECK(text.find("cell0_namespace_cache_namespaces 2") != std::string::npos);
  CHECK(text.find("cell0_namespace_cache_events_total{type=\"DELETED\"} 1") != std::string::npos);
  CHECK(text.find("cell0_namespace_cache_lists_total{result=\"ok\"} 1") != std::string::npos);
}

TEST_CASE("namespace cache: 410 Gone after compaction lists again and misses nothing") {
  Running r;
  r.server.create(make_namespace("a"));
  r.start();
  // The watch ends as at its timeout; the next one waits while a change lands and is compacted
  // away, so it asks for a version the server no longer has.
  r.server.arm([](testing::Faults& f) { f.hold_watches = true; });
  r.server.end_watches(false);
  REQUIRE(eventually([&] { return r.server.held_watches() == 1; }));
  r.server.update("a", [](json& ns) { ns["metadata"]["annotations"][kInclude] = "true"; });
  r.server.compact();
  r.server.arm([](testing::Faults& f) { f.hold_watches = false; });
  CHECK(eventually([&] { return r.include("a") == "true"; }, 3s));
  const std::string text = r.registry.render();
  CHECK(text.find("cell0_namespace_cache_watch_restarts_total{reason=\"gone\"} 1") != std::string::npos);
  CHECK(text.find("cell0_namespace_cache_lists_total{result=\"ok\"} 2") != std::string::npos);
}

TEST_CASE("namespace cache: failing lists back off, keep the snapshot null and report the error") {
  Running r;
  r.server.create(make_namespace("a", {{kInclude, "true"}}));
  r.server.arm([](testing::Faults& f) { f.list_5xx = 2; });
  auto c = kube::load_kubeconfig(r.server.write_kubeconfig(r.server.cert_user()));
  REQUIRE(c.ok());
  r.cache = std::make_unique<NamespaceCache>(*c, fast_cache_options(), &r.metrics);
  r.cache->start();
  CHECK(eventually([&] { return !r.cache->last_error().empty() || r.cache->synced(); }));
  CHECK(eventually([&] { return r.include("a") == "true"; }, 3s));
  CHECK(r.cache->last_error().empty());
  CHECK(r.registry.render().find("cell0_namespace_cache_lists_total{result=\"error\"} 2") != std::string::npos);
  CHECK(r.server.count("GET") >= 3);
}

TEST_CASE("namespace cache: stop() is prompt while watching") {
  Running r;
  r.start();
  const auto t0 = std::chrono::steady_clock::now();
  r.cache->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
}

}  // namespace
}  // namespace cell0::controllers
