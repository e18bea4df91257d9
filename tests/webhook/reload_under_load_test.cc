// Over HTTPS with the real engine: customizations swapped while clients keep calling, and a
// script that runs out of time, answered within its budget while the server keeps serving.
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "interpreters/engine.h"
#include "interpreters/registry.h"
#include "test_server.h"
#include "webhook/interpreter_endpoint.h"
#include "webhook/reloader.h"

using nlohmann::json;
namespace fs = std::filesystem;
namespace interp = cell0::interp;

namespace {

std::string customization(const std::string& health_body) {
  return "apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\n"
         "metadata: {name: probe}\nspec:\n  target: {apiVersion: example.io/v1, kind: Probe}\n"
         "  customizations:\n    healthInterpretation:\n      luaScript: |\n"
         "        function InterpretHealth(obj)\n          " +
         health_body +
         "\n        end\n"
         "    replicaResource:\n      luaScript: |\n"
         "        function GetReplicas(obj)\n          while true do end\n        end\n";
}

json review(const std::string& uid, const std::string& operation = "InterpretHealth") {
  return json{{"apiVersion", "config.karmada.io/v1alpha1"},
              {"kind", "ResourceInterpreterContext"},
              {"request",
               {{"uid", uid},
                {"operation", operation},
                {"replicas", 0},
                {"kind", {{"group", "example.io"}, {"version", "v1"}, {"kind", "Probe"}}},
                {"name", "p"},
                {"object", {{"apiVersion", "example.io/v1"}, {"kind", "Probe"}, {"metadata", {{"name", "p"}}}}}}}};
}

void write_atomically(const fs::path& file, const std::string& text) {
  const fs::path tmp = file.parent_path() / ".tmp-write";
  std::ofstream(tmp) << text;
  fs::rename(tmp, file);
}

struct Fixture {
  Fixture() : engine(options()), server(cell0::webhook::interpreter_endpoint(engine)) {
    file = dir.path() / "probe.yaml";
    write_atomically(file, customization("return true"));
    auto reg = interp::load_registry({dir.path()});
    REQUIRE(reg.ok());
    engine.set_registry(*reg);
  }
  static interp::EngineOptions options() {
    interp::EngineOptions o;
    o.deadline = std::chrono::milliseconds(200);
    return o;
  }
  cell0::testing::TempDir dir;
  fs::path file;
  interp::Engine engine;
  cell0::testing::TestServer server;
};

}  // namespace

TEST_CASE("customizations reload under concurrent requests with zero failures", "[reload][https]") {
  Fixture f;
  cell0::common::MetricsRegistry registry;
  cell0::webhook::WebhookMetrics metrics(registry);
  cell0::webhook::Reloader reloader(
      {f.dir.path()},
      [&](const std::vector<fs::path>& paths) {
        auto reg = interp::load_registry(paths);
        if (!reg) return cell0::common::Result<cell0::webhook::LoadedSet>(reg.error());
        f.engine.set_registry(*reg);
        return cell0::common::Result<cell0::webhook::LoadedSet>(cell0::webhook::LoadedSet{(*reg)->all().size(), 1});
      },
      metrics.customization_reloads(), std::chrono::milliseconds(10));
  REQUIRE(reloader.load_now());
  reloader.start();

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      auto cli = f.server.client();
      for (int i = 0; !stop.load(); ++i) {
        auto res = cli->Post("/interpreter", review("c" + std::to_string(t) + "-" + std::to_string(i)).dump(),
                             "application/json");
        if (res && res->status == 200 && json::parse(res->body)["response"]["successful"] == true) {
          ++ok;
        } else {
          ++failed;
        }
      }
    });
  }
  // Alternate two good versions, with a broken one in between that must not take effect.
  for (int round = 0; round < 12; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    if (round % 3 == 2) {
      write_atomically(f.file, customization("return ((("));
    } else {
      write_atomically(f.file, customization(round % 2 ? "return obj.kind == 'Probe'" : "return true"));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  for (auto& c : clients) c.join();
  reloader.stop();
  CHECK(failed.load() == 0);
  CHECK(ok.load() > 20);
  CHECK(reloader.status().attempts >= 2);
}

TEST_CASE("a script timeout is answered within budget and the server keeps serving", "[reload][https]") {
  Fixture f;
  auto cli = f.server.client();
  const auto start = std::chrono::steady_clock::now();
  auto res = cli->Post("/interpreter", review("t1", "InterpretReplica").dump(), "application/json");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(res);
  CHECK(res->status == 200);
  const json body = json::parse(res->body);
  CHECK(body["response"]["uid"] == "t1");
  CHECK(body["response"]["successful"] == false);
  CHECK(body["response"]["status"]["message"].get<std::string>().find("context deadline exceeded") !=
        std::string::npos);
  CHECK(took < std::chrono::seconds(3));
  for (int i = 0; i < 3; ++i) {
    auto again = cli->Post("/interpreter", review("ok" + std::to_string(i)).dump(), "application/json");
    REQUIRE(again);
    CHECK(json::parse(again->body)["response"]["successful"] == true);
  }
  CHECK(f.engine.stats().timeouts == 1);
}
