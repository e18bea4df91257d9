#include <algorithm>
#include <fstream>

#include <catch2/catch.hpp>

#include "controllers/taint_reconciler.h"
#include "tests/controllers/helpers.h"
#include "tests/support/fake_apiserver.h"

namespace cell0::controllers {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::FakeApiServer;
using testing::has_taint;
using testing::make_cluster;
using testing::untouchable;
using namespace std::chrono_literals;

const json kMarked = {{"cluster.ccos.io/pure-control", "true"}};
const json kPureTaint = {{"key", "pure-control-cluster"}, {"effect", "NoSchedule"}};
const json kOtherTaints = json::array({{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoExecute"}},
                                       {{"key", "maintenance.example.io/window"}, {"effect", "NoExecute"}}});

struct Running {
  FakeApiServer server{{100ms}};
  common::MetricsRegistry registry;
  ReconcilerMetrics metrics{registry};
  std::map<std::string, json> expected;  // what the test wrote, per cluster
  std::unique_ptr<TaintReconciler> reconciler;

  void put(const json& written) { expected[written["metadata"]["name"]] = written; }
  void start(const json& user, policies::PureControl pc = {}, TaintReconcilerOptions o = testing::fast_options()) {
    auto c = kube::load_kubeconfig(server.write_kubeconfig(user));
    REQUIRE(c.ok());
    reconciler = std::make_unique<TaintReconciler>(*c, pc, o, &metrics);
    reconciler->start();
    REQUIRE(eventually([&] { return reconciler->cache().synced(); }));
    REQUIRE(eventually([&] { return server.active_watches() >= 1; }));
  }
  void start() { start(server.cert_user()); }
  bool tainted(const std::string& name) const {
    auto c = server.cluster(name);
    return c && has_taint(*c);
  }
  // Every cluster: the pure-control taint exactly when marked, everything else as written.
  bool settled() const {
    for (const auto& [name, written] : expected) {
      auto now = server.cluster(name);
      if (!now) return false;
      const bool marked =
          written["metadata"].value("labels", json::object()).value("cluster.ccos.io/pure-control", "") == "true";
      if (has_taint(*now) != marked) return false;
    }
    return true;
  }
  void check_nothing_else_changed(bool ignore_other_writer = false) const {
    for (const auto& [name, written] : expected) {
      json now = untouchable(*server.cluster(name));
      if (ignore_other_writer) now["metadata"].erase("annotations");
      CHECK(now == untouchable(written));
    }
  }
};

TEST_CASE("reconciler: created and re-labelled clusters get the taint within 2 s, un-marked lose it") {
  Running r;
  r.put(r.server.create(make_cluster("member1", json::object(), kOtherTaints)));
  r.put(r.server.create(make_cluster("member2")));
  r.put(r.server.create(make_cluster("cell0", kMarked, json::array({kPureTaint}))));
  r.start();
  CHECK(r.server.patches_applied() == 0);  // cell0 already holds

  auto start = std::chrono::steady_clock::now();
  r.put(r.server.create(make_cluster("cell0-b", kMarked, kOtherTaints)));
  REQUIRE(eventually([&] { return r.tainted("cell0-b"); }, 2s));
  INFO("created -> tainted in "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
       << " ms");
  CHECK(r.server.cluster("cell0-b")->at("spec").at("taints") ==
        json::array({kOtherTaints[0], kOtherTaints[1], kPureTaint}));

  start = std::chrono::steady_clock::now();
  r.put(r.server.update("member1", [](json& c) { c["metadata"]["labels"] = kMarked; }));
  REQUIRE(eventually([&] { return r.tainted("member1"); }, 2s));

  r.put(r.server.update("cell0-b", [](json& c) { c["metadata"]["labels"]["cluster.ccos.io/pure-control"] = "false"; }));
  REQUIRE(eventually([&] { return !r.tainted("cell0-b"); }, 2s));
  CHECK(r.server.cluster("cell0-b")->at("spec").at("taints") == kOtherTaints);

  CHECK(r.settled());
  r.check_nothing_else_changed();
  CHECK(r.server.patches_applied() == 3);
  // Idempotent: a settled world sees no more patches.
  std::this_thread::sleep_for(400ms);
  CHECK(r.server.patches_applied() == 3);
  CHECK(r.server.count("PATCH") == 3);
  CHECK(r.metrics.patches.value({"add"}) == 2);
  CHECK(r.metrics.patches.value({"remove"}) == 1);
  CHECK(r.metrics.cache_size.value() == 4);
  CHECK(r.metrics.last_sync.value() > 0);
  CHECK(r.reconciler->cache().find("member1")->zones == std::vector<std::string>{"az1"});
}

TEST_CASE("reconciler: variants of the reserved key become the one canonical taint; unmarked clusters lose them") {
  Running r;
  const json valued = {{"key", "pure-control-cluster"}, {"value", "true"}, {"effect", "NoSchedule"}};
  const json noexec = {{"key", "pure-control-cluster"}, {"effect", "NoExecute"}};
  r.server.create(make_cluster("cell0", kMarked, json::array({kOtherTaints[0], valued})));
  r.server.create(make_cluster("member", json::object(), json::array({noexec, kOtherTaints[0]})));
  r.start();
  REQUIRE(eventually([&] {
    return r.server.cluster("cell0")->at("spec").at("taints") == json::array({kOtherTaints[0], kPureTaint}) &&
           r.server.cluster("member")->at("spec").at("taints") == json::array({kOtherTaints[0]});
  }));
  CHECK(r.metrics.patches.value({"replace"}) == 1);
  CHECK(r.metrics.patches.value({"remove"}) == 1);
  std::this_thread::sleep_for(300ms);
  CHECK(r.server.patches_applied() == 2);
}

TEST_CASE("reconciler: clusterNames and a custom taint from the policy") {
  Running r;
  policies::PureControl pc;
  pc.cluster_names = {"cell0"};
  pc.taint = {"example.com/control", "NoExecute", ""};
  r.put(r.server.create(make_cluster("cell0")));
  r.put(r.server.create(make_cluster("cellx", kMarked)));  // default label still marks
  r.start(r.server.cert_user(), pc);
  REQUIRE(eventually([&] {
    return has_taint(*r.server.cluster("cell0"), "example.com/control", "NoExecute") &&
           has_taint(*r.server.cluster("cellx"), "example.com/control", "NoExecute");
  }));
  r.put(r.server.create(
      make_cluster("plain", json::object(), json::array({{{"key", "example.com/control"}, {"effect", "NoExecute"}}}))));
  REQUIRE(eventually([&] { return !has_taint(*r.server.cluster("plain"), "example.com/control", "NoExecute"); }));
}

TEST_CASE("reconciler: resync() applies a changed policy to clusters that did not change") {
  FakeApiServer server{{100ms}};
  server.create(make_cluster("plain"));
  server.create(make_cluster("cell0", kMarked));
  std::mutex mutex;
  policies::PureControl rule;
  PureControlSource source = [&]() -> std::optional<policies::PureControl> {
    std::lock_guard lock(mutex);
    return rule;
  };
  auto c = kube::load_kubeconfig(server.write_kubeconfig(server.cert_user()));
  REQUIRE(c.ok());
  TaintReconcilerOptions o = testing::fast_options();
  o.client.watch_timeout = 30s;  // only resync() can bring the change in time
  o.client.watch_idle_timeout = 30s;
  TaintReconciler reconciler(*c, source, o);
  reconciler.start();
  REQUIRE(eventually([&] { return has_taint(*server.cluster("cell0")) && server.active_watches() == 1; }));
  {
    std::lock_guard lock(mutex);
    rule.cluster_names = {"plain"};
    rule.cluster_label = "example.com/other";
  }
  reconciler.resync();
  CHECK(eventually([&] { return has_taint(*server.cluster("plain")) && !has_taint(*server.cluster("cell0")); }));
}

TEST_CASE("reconciler: no policy yet means no change, and a retry later") {
  FakeApiServer server{{100ms}};
  server.create(make_cluster("cell0", kMarked));
  std::atomic<bool> loaded{false};
  PureControlSource source = [&]() -> std::optional<policies::PureControl> {
    if (!loaded) return std::nullopt;
    return policies::PureControl{};
  };
  auto c = kube::load_kubeconfig(server.write_kubeconfig(server.cert_user()));
  REQUIRE(c.ok());
  TaintReconciler reconciler(*c, source, testing::fast_options());
  reconciler.start();
  std::this_thread::sleep_for(200ms);
  CHECK(server.count("PATCH") == 0);
  loaded = true;
  CHECK(eventually([&] { return has_taint(*server.cluster("cell0")); }));
}

TEST_CASE("reconciler: two replicas do not fight") {
  Running r;
  r.start();
  auto c = kube::load_kubeconfig(r.server.write_kubeconfig(r.server.cert_user(), {}, "second"));
  REQUIRE(c.ok());
  TaintReconciler second(*c, policies::PureControl{}, testing::fast_options());
  second.start();
  for (int i = 0; i < 5; ++i) r.put(r.server.create(make_cluster("cell0-" + std::to_string(i), kMarked)));
  REQUIRE(eventually([&] { return r.settled(); }));
  std::this_thread::sleep_for(300ms);
  CHECK(r.server.patches_applied() == 5);
  r.check_nothing_else_changed();
}

TEST_CASE("fault: a watch closed mid-stream") {
  Running r;
  r.start();
  r.server.arm([](testing::Faults& f) { f.watch_drop_after_events = 1; });
  r.server.end_watches(true);  // the current watch dies; the next one drops after one event
  REQUIRE(eventually([&] { return r.metrics.watch_restarts.value({"failed"}) >= 1; }));
  REQUIRE(eventually([&] { return r.server.count("GET", true) >= 2; }));  // the armed watch is running
  for (const char* name : {"a", "b", "c"}) r.put(r.server.create(make_cluster(name, kMarked, kOtherTaints)));
  REQUIRE(eventually([&] { return r.settled(); }, 3s));
  CHECK(r.metrics.watch_restarts.value({"failed"}) >= 2);
  r.check_nothing_else_changed();
  CHECK(r.server.patches_applied() == 3);
}

TEST_CASE("fault: 410 Gone after compaction, then a re-list") {
  Running r;
  r.put(r.server.create(make_cluster("a")));
  r.start();
  // The watch ends as at its timeout; the next one waits while changes land and are compacted
  // away, so it asks for a version the server no longer has.
  r.server.arm([](testing::Faults& f) { f.hold_watches = true; });
  r.server.end_watches(false);
  REQUIRE(eventually([&] { return r.server.held_watches() == 1; }));
  r.put(r.server.create(make_cluster("b", kMarked)));
  r.put(r.server.update("a", [](json& c) { c["metadata"]["labels"] = kMarked; }));
  r.server.compact();
  r.server.arm([](testing::Faults& f) { f.hold_watches = false; });
  REQUIRE(eventually([&] { return r.settled(); }, 3s));
  CHECK(r.metrics.watch_restarts.value({"gone"}) >= 1);
  r.server.arm([](testing::Faults& f) { f.watch_gone = 1; });
  r.server.end_watches(false);
  REQUIRE(eventually([&] { return r.metrics.watch_restarts.value({"gone"}) >= 2; }));
  r.put(r.server.update("b", [](json& c) { c["metadata"]["labels"].erase("cluster.ccos.io/pure-control"); }));
  REQUIRE(eventually([&] { return r.settled(); }, 3s));
  r.check_nothing_else_changed();
}

TEST_CASE("fault: 409 Conflict from another writer") {
  Running r;
  r.start();
  r.server.arm([](testing::Faults& f) { f.patch_conflicts = 2; });
  r.put(r.server.create(make_cluster("a", kMarked, kOtherTaints)));
  REQUIRE(eventually([&] { return r.settled(); }));
  const json now = *r.server.cluster("a");
  CHECK(now["metadata"]["annotations"] == json{{"other-writer/1", "was here"}, {"other-writer/2", "was here"}});
  // Two injected; the other writer's stale MODIFIED events may cost one more, resolved by a GET.
  CHECK(r.metrics.conflicts.value() >= 2);
  CHECK(r.server.patches_applied() == 1);
  r.check_nothing_else_changed(true);
}

TEST_CASE("fault: 5xx on list, watch, get and patch") {
  Running r;
  r.start();
  r.server.arm([](testing::Faults& f) {
    f.list_5xx = 2;
    f.watch_5xx = 1;
    f.patch_5xx = 1;
    f.get_5xx = 1;
    f.patch_conflicts = 1;  // makes the reconciler GET, which fails once too
  });
  r.server.end_watches(true);
  REQUIRE(eventually([&] { return r.metrics.errors.value({"list"}) >= 2; }, 3s));
  r.put(r.server.create(make_cluster("a", kMarked)));
  r.put(r.server.create(make_cluster("b", kMarked)));
  REQUIRE(eventually([&] { return r.settled(); }, 4s));
  REQUIRE(eventually([&] {
    const testing::Faults left = r.server.faults();
    return left.list_5xx + left.watch_5xx + left.patch_5xx + left.get_5xx == 0;
  }));
  REQUIRE(eventually([&] { return r.server.active_watches() >= 1; }));
  r.put(r.server.create(make_cluster("c", kMarked)));  // and the watch works again
  REQUIRE(eventually([&] { return r.settled(); }));
  CHECK(r.metrics.errors.value({"patch"}) + r.metrics.errors.value({"get"}) >= 1);
  r.check_nothing_else_changed(true);
}

TEST_CASE("fault: a slow server (request timeout) and a silent watch") {
  Running r;
  r.start();
  r.server.arm([](testing::Faults& f) {
    f.slow_requests = 2;
    f.slow = 1300ms;  // past the 1 s request timeout
  });
  r.server.end_watches(true);
  r.put(r.server.create(make_cluster("a", kMarked)));
  REQUIRE(eventually([&] { return r.settled(); }, 5s));
  CHECK(r.server.faults().slow_requests == 0);

  r.server.arm([](testing::Faults& f) { f.silent_watches = 1; });
  r.server.end_watches(false);
  REQUIRE(eventually([&] { return r.server.faults().silent_watches == 0; }));
  r.put(r.server.create(make_cluster("b", kMarked)));
  REQUIRE(eventually([&] { return r.settled(); }, 3s));
  CHECK(r.metrics.errors.value({"watch"}) >= 1);
  r.check_nothing_else_changed();
}

TEST_CASE("fault: an expired token (401) until the token file is renewed") {
  Running r;
  const auto token_file = r.server.dir() / "token";
  std::ofstream(token_file) << "good-token\n";
  r.start({{"tokenFile", token_file.string()}});
  r.server.set_token("renewed-token");
  r.server.end_watches(true);
  REQUIRE(eventually([&] { return r.metrics.errors.value({"list"}) >= 1; }));
  r.put(r.server.create(make_cluster("a", kMarked)));
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(r.tainted("a"));  // cannot act while refused
  std::ofstream(token_file) << "renewed-token\n";
  REQUIRE(eventually([&] { return r.settled(); }, 3s));
  r.check_nothing_else_changed();
}

TEST_CASE("reconciler: a failing server is retried with capped exponential backoff") {
  FakeApiServer server{{100ms}};
  server.arm([](testing::Faults& f) { f.list_5xx = 1000; });
  auto c = kube::load_kubeconfig(server.write_kubeconfig(server.cert_user()));
  REQUIRE(c.ok());
  TaintReconcilerOptions o = testing::fast_options();
  o.backoff_initial = 40ms;
  o.backoff_max = 160ms;
  TaintReconciler reconciler(*c, policies::PureControl{}, o);
  reconciler.start();
  std::this_thread::sleep_for(1200ms);
  reconciler.stop();
  // 40, 80, 160, 160, ... ms (±20 %) between attempts: about 9 in 1.2 s; without backoff it
  // would be hundreds, without the cap about 5.
  const std::size_t lists = server.count("GET");
  CHECK(lists >= 6);
  CHECK(lists <= 12);
  const auto log = server.requests();
  CHECK(std::all_of(log.begin(), log.end(), [](const testing::LoggedRequest& r) { return r.status == 500; }));
}

TEST_CASE("reconciler: stop() is prompt while watching") {
  Running r;
  TaintReconcilerOptions o = testing::fast_options();
  o.client.watch_timeout = 30s;
  o.client.watch_idle_timeout = 30s;
  r.start(r.server.cert_user(), {}, o);
  REQUIRE(eventually([&] { return r.server.active_watches() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  r.reconciler->stop();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

}  // namespace
}  // namespace cell0::controllers
