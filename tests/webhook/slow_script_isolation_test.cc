// One slow customization must not delay other connections (issue 15): a forked `serve` runs a
// script spinning for ~900 ms on one keep-alive connection, again and again, while 16 other
// connections send fast requests; their p99 latency stays under 20 ms.
//
// Why 20 ms holds on a loaded 2-core machine: the spin starts inline on an event loop's thread,
// but within 2-4 ms (server.h) another thread takes that loop over, so the spin holds one thread,
// not the loop; then a fast request waits only for CPU time, and the kernel gives the 16 clients,
// the two loops and the spinning thread their share within a few scheduler slices (about 3 ms
// each). Without the take-over the fast requests on the spinning loop would wait up to 900 ms.
// The bound is on p99, not the maximum, so one descheduling of the test's own client threads by
// a parallel build does not fail it; when the machine is so loaded that the same clients'
// p99 without the slow script is already near 20 ms, the bound is 20 ms above that p99.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli/serve_settings.h"
#include "tests/certs/temp_dir.h"
#include "tests/support/forked_serve.h"
#include "tests/support/sanitizer.h"

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRules = R"(apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: spin
spec:
  target:
    apiVersion: iso.cell0.test/v1
    kind: Spin
  customizations:
    healthInterpretation:
      luaScript: |
        function InterpretHealth(obj)
          local n = 0
          for i = 1, obj.spec.spin do n = n + 1 end
          return n == obj.spec.spin
        end
)";

std::string review(const std::string& uid, long long spin) {
  return json{{"apiVersion", "config.karmada.io/v1alpha1"},
              {"kind", "ResourceInterpreterContext"},
              {"request",
               {{"uid", uid},
                {"kind", {{"group", "iso.cell0.test"}, {"version", "v1"}, {"kind", "Spin"}}},
                {"name", "s"},
                {"operation", "InterpretHealth"},
                {"object",
                 {{"apiVersion", "iso.cell0.test/v1"},
                  {"kind", "Spin"},
                  {"metadata", {{"name", "s"}}},
                  {"spec", {{"spin", spin}}}}}}}}
      .dump();
}

std::unique_ptr<httplib::SSLClient> client(int port, const fs::path& ca) {
  auto cli = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  cli->set_ca_cert_path(ca.c_str());
  cli->enable_server_certificate_verification(true);
  cli->set_tcp_nodelay(true);
  cli->set_keep_alive(true);
  cli->set_connection_timeout(5s);
  cli->set_read_timeout(20s);
  return cli;
}

bool healthy(const httplib::Result& res) {
  if (!res || res->status != 200) return false;
  const json body = json::parse(res->body, nullptr, false);
  return body.is_object() && body["response"]["healthy"] == true;
}

// Latencies (ms) of fast requests from 16 keep-alive connections, for `length`.
std::vector<double> fast_latencies(int port, const fs::path& ca, std::chrono::milliseconds length, int& failures) {
  std::atomic<int> failed{0};
  std::vector<std::vector<double>> per_thread(16);
  std::vector<std::thread> threads;
  const auto until = Clock::now() + length;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      auto cli = client(port, ca);
      healthy(cli->Post("/interpreter", review("warm", 1), "application/json"));  // connect outside the clock
      for (int i = 0; Clock::now() < until; ++i) {
        const auto start = Clock::now();
        auto res = cli->Post("/interpreter", review("f" + std::to_string(t) + "-" + std::to_string(i), 10),
                             "application/json");
        per_thread[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!healthy(res)) ++failed;
        std::this_thread::sleep_for(2ms);  // a controller's pace, not a flood
      }
    });
  }
  for (auto& t : threads) t.join();
  failures = failed;
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  return all;
}

double p99(const std::vector<double>& sorted) {
  return sorted.empty() ? 0 : sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
}

}  // namespace

TEST_CASE("a 900 ms script on one connection does not delay 16 others", "[isolation][serve][https]") {
  cell0::testing::TempDir tmp;
  const fs::path rules = tmp.path() / "rules";
  fs::create_directories(rules);
  std::ofstream(rules / "spin.yaml") << kRules;
  const int port = cell0::testing::free_port();
  cell0::cli::ServeSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(port);
  settings.state_dir = (tmp.path() / "state").string();
  settings.customizations = {rules.string()};
  settings.lua_timeout = "3s";  // the calibrated spin may run long on a loaded machine: no deadline hit
  auto config = cell0::cli::resolve_settings(settings);
  REQUIRE(config.ok());
  auto serve_ptr = cell0::testing::quiet_serve(*config);
  auto& serve = *serve_ptr;
  const fs::path ca = tmp.path() / "state" / "ca.crt";
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    std::this_thread::sleep_for(50ms);
    if (!fs::exists(ca)) continue;
    auto res = client(port, ca)->Get("/readyz");
    ready = res && res->status == 200;
  }
  REQUIRE(ready);

  // Iterations for ~900 ms here, from a measured run of 20 million.
  auto slow = client(port, ca);
  const auto probe_start = Clock::now();
  REQUIRE(healthy(slow->Post("/interpreter", review("probe", 20'000'000), "application/json")));
  const double probe_ms = std::chrono::duration<double, std::milli>(Clock::now() - probe_start).count();
  const auto spin = static_cast<long long>(20e6 * 900.0 / std::max(probe_ms, 1.0));

  int baseline_failures = 0;
  const auto baseline = fast_latencies(port, ca, 1000ms, baseline_failures);

  std::atomic<bool> stop{false};
  std::atomic<int> slow_done{0};
  std::vector<double> slow_ms;
  std::thread spinner([&] {
    while (!stop) {
      const auto start = Clock::now();
      if (healthy(slow->Post("/interpreter", review("slow", spin), "application/json"))) ++slow_done;
      slow_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
  });
  std::this_thread::sleep_for(100ms);  // the first spin is under way
  int failures = 0;
  const auto during = fast_latencies(port, ca, 2800ms, failures);
  stop = true;
  spinner.join();

  std::printf(
      "isolation: slow request %.0f ms (%d done); fast requests p99 %.1f ms, max %.1f ms over %zu "
      "(alone: p99 %.1f ms over %zu)\n",
      slow_ms.empty() ? 0.0 : slow_ms.front(), slow_done.load(), p99(during), during.empty() ? 0.0 : during.back(),
      during.size(), p99(baseline), baseline.size());
  CHECK(baseline_failures == 0);
  CHECK(failures == 0);
  CHECK(slow_done >= 2);
  // The figures above are printed in every build; the bounds are tuned for the plain one (support/sanitizer.h).
  if (!cell0::testing::kAddressSanitizer) {
    REQUIRE(during.size() >= 500);
    // Under 20 ms, or under 20 ms above the same clients' p99 without the slow script: on a
    // 2-core machine shared with a parallel build the fast requests alone already reach a p99 of
    // 20-30 ms (seen under ctest -j2 beside other builds), and what is measured here is the delay
    // the slow script adds, which the earlier design made up to 900 ms.
    CHECK(p99(during) < std::max(20.0, p99(baseline) + 20.0));
  }
  CHECK(serve.terminate(15s).has_value());
}
