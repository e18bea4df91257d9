#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "cli/taint_clusters_command.h"
#include "tests/controllers/helpers.h"
#include "tests/support/fake_apiserver.h"

namespace cell0::cli {
namespace {

using Catch::Matchers::Contains;
using nlohmann::json;
using testing::FakeApiServer;
using testing::has_taint;
using testing::make_cluster;

const json kMarked = {{"cluster.ccos.io/pure-control", "true"}};
const json kPureTaint = {{"key", "pure-control-cluster"}, {"effect", "NoSchedule"}};
const json kOther = {{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoExecute"}};

struct Pass {
  int rc = 0;
  std::string out;
  std::string err;
};

Pass run(const TaintClustersSettings& s) {
  std::ostringstream out, err;
  Pass p;
  p.rc = run_taint_clusters(s, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

struct World {
  FakeApiServer server;
  TaintClustersSettings settings;
  World() {
    server.create(make_cluster("cell0", kMarked, json::array({kOther})));
    server.create(make_cluster("cellx", json::object(), json::array({kPureTaint, kOther})));
    server.create(make_cluster("cell0-ok", kMarked, json::array({kPureTaint})));
    server.create(make_cluster("plain"));
    settings.kubeconfig = server.write_kubeconfig(server.cert_user()).string();
    settings.client = testing::fast_options().client;
  }
};

TEST_CASE_METHOD(World, "taint-clusters --dry-run prints the plan and changes nothing") {
  const auto before = server.clusters();
  const long long version = server.resource_version();
  settings.dry_run = true;
  const Pass p = run(settings);
  INFO(p.out << p.err);
  CHECK(p.rc == 2);
  CHECK_THAT(p.out, Contains("dry run: taint pure-control-cluster:NoSchedule on the Clusters of " + server.url()));
  CHECK_THAT(p.out, Contains("cell0     yes           no       would add"));
  CHECK_THAT(p.out, Contains("cellx     no            yes      would remove"));
  CHECK_THAT(p.out, Contains("cell0-ok  yes           yes      ok"));
  CHECK_THAT(p.out, Contains("plain     no            no       ok"));
  CHECK_THAT(p.out, Contains("4 clusters, 2 pure-control, 2 to change, 0 failed (dry run: nothing was changed)"));
  CHECK(server.count("PATCH") == 0);
  CHECK(server.resource_version() == version);
  CHECK(server.clusters() == before);
}

TEST_CASE_METHOD(World, "taint-clusters applies the plan, then finds nothing to do") {
  const Pass p = run(settings);
  INFO(p.out << p.err);
  CHECK(p.rc == 0);
  CHECK_THAT(p.out, Contains("cell0     yes           no       added"));
  CHECK_THAT(p.out, Contains("cellx     no            yes      removed"));
  CHECK_THAT(p.out, Contains("4 clusters, 2 pure-control, 2 changed, 0 failed"));
  CHECK(server.cluster("cell0")->at("spec").at("taints") == json::array({kOther, kPureTaint}));
  CHECK(server.cluster("cellx")->at("spec").at("taints") == json::array({kOther}));
  CHECK(server.patches_applied() == 2);

  const Pass again = run(settings);
  CHECK(again.rc == 0);
  CHECK_THAT(again.out, Contains("0 changed"));
  CHECK(server.patches_applied() == 2);
}

TEST_CASE_METHOD(World, "taint-clusters --policy: clusterNames") {
  std::ofstream(server.dir() / "policy.yaml") << "pureControl:\n  clusterNames: [plain]\n";
  settings.policy = (server.dir() / "policy.yaml").string();
  const Pass p = run(settings);
  INFO(p.out << p.err);
  CHECK(p.rc == 0);
  CHECK(has_taint(*server.cluster("plain")));
}

TEST_CASE_METHOD(World, "taint-clusters: errors exit 1 with a clear message") {
  SECTION("bad kubeconfig names the field") {
    std::ofstream(server.dir() / "bad") << "current-context: x\ncontexts:\n- name: x\n  context: {user: u}\n";
    settings.kubeconfig = (server.dir() / "bad").string();
    const Pass p = run(settings);
    CHECK(p.rc == 1);
    CHECK_THAT(p.err, Contains("contexts[\"x\"].context.cluster: required"));
  }
  SECTION("wrong CA is refused") {
    settings.kubeconfig = server.write_kubeconfig(server.cert_user(), server.other_ca_pem()).string();
    const Pass p = run(settings);
    CHECK(p.rc == 1);
    CHECK_THAT(p.err, Contains("cannot list clusters") && Contains("server certificate refused"));
    CHECK(server.requests().empty());
  }
  SECTION("expired token") {
    settings.kubeconfig = server.write_kubeconfig(server.token_user("old-token")).string();
    const Pass p = run(settings);
    CHECK(p.rc == 1);
    CHECK_THAT(p.err, Contains("HTTP 401 Unauthorized"));
  }
  SECTION("a patch that keeps failing") {
    server.arm([](testing::Faults& f) { f.patch_5xx = 10; });
    const Pass p = run(settings);
    CHECK(p.rc == 1);
    CHECK_THAT(p.out, Contains("FAILED: HTTP 500 InternalError"));
    CHECK_THAT(p.out, Contains("2 failed"));
  }
  SECTION("bad policy") {
    std::ofstream(server.dir() / "policy.yaml") << "pureControl:\n  nope: 1\n";
    settings.policy = (server.dir() / "policy.yaml").string();
    const Pass p = run(settings);
    CHECK(p.rc == 1);
    CHECK_THAT(p.err, Contains("--policy"));
  }
}

}  // namespace
}  // namespace cell0::cli
