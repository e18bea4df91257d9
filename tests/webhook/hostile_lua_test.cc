// The hostile-Lua corpus (hostile_lua/*.yaml) end to end: a forked `serve` over HTTPS with a
// short Lua budget answers every hostile script with HTTP 200 and a clear failure (or a clean
// result where the script is harmless) within its budget, writes no file, keeps every worker and
// every Lua state usable, and gives its memory back.
//
// Each corpus file is a ResourceInterpreterCustomization for its own kind plus a top-level
// `expect:` (the loader ignores unknown top-level keys):
//   operation:  the ResourceInterpreterContext operation to send
//   successful: the expected response.successful
//   message:    (failures) text that response.status.message must contain
//   healthy:    (InterpretHealth successes) the expected response.healthy
//   canary:     true for canary.yaml, the good request sent to every worker after each case
#include "tests/support/forked_serve.h"
#include "tests/support/sanitizer.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli/serve_settings.h"
#include "common/yaml_json.h"
#include "tests/certs/temp_dir.h"

using cell0::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using cell0::testing::free_port;

using cell0::testing::kAddressSanitizer;

constexpr int kWorkers = 3;
// A memory bomb must reach its memory limit before the deadline: ~50 ms of allocation on an idle
// machine, but 200 ms was not enough on 2 cores shared with a parallel build (the bombs then
// ended in Timeout), and under ASan scripts run several times slower still.
constexpr auto kLuaTimeout = std::chrono::milliseconds(kAddressSanitizer ? 1500 : 800);
// Every answer, hostile or not, must arrive within the Lua budget plus this much. The result cap
// is by size, not time: three result bombs encoded up to 64 MiB of JSON at once took 3.6-3.9 s
// past the budget under ctest -j2 beside other builds on 2 cores (under 2 s alone).
constexpr auto kSlack = std::chrono::seconds(5);
// Paths the corpus scripts try to create.
const fs::path kSentinels[] = {"/tmp/cell0-hostile-sentinel", "/tmp/cell0-hostile-a"};

struct Case {
  std::string file;
  std::string kind;
  json expect;
};

std::vector<Case> load_corpus(const fs::path& dir, Case& canary) {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    const auto docs = cell0::common::load_yaml_file(entry.path());
    REQUIRE(docs.ok());
    REQUIRE(docs->size() == 1);
    const json& doc = docs->front();
    INFO(entry.path());
    REQUIRE(doc.contains("expect"));
    Case c{entry.path().filename().string(), doc["spec"]["target"]["kind"].get<std::string>(), doc["expect"]};
    REQUIRE(c.expect.contains("operation"));
    REQUIRE(c.expect.contains("successful"));
    REQUIRE((c.expect["successful"] == true || c.expect.contains("message")));
    if (c.expect.value("canary", false)) {
      canary = c;
    } else {
      cases.push_back(c);
    }
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.file < b.file; });
  return cases;
}

json review(const Case& c, const std::string& uid) {
  const json object = {{"apiVersion", "hostile.cell0.test/v1"},
                       {"kind", c.kind},
                       {"metadata", {{"name", "h"}, {"namespace", "default"}}},
                       {"spec", {{"replicas", 2}}},
                       {"status", {{"readyReplicas", 2}}}};
  const std::string operation = c.expect["operation"];
  json request = {{"uid", uid},
                  {"kind", {{"group", "hostile.cell0.test"}, {"version", "v1"}, {"kind", c.kind}}},
                  {"name", "h"},
                  {"namespace", "default"},
                  {"operation", operation},
                  {"object", object},
                  {"replicas", operation == "ReviseReplica" ? 3 : 0}};
  if (operation == "Retain") request["observedObject"] = object;
  if (operation == "AggregateStatus") {
    request["aggregatedStatus"] =
        json::array({{{"clusterName", "m1"}, {"status", {{"readyReplicas", 1}}}, {"applied", true}}});
  }
  return {{"apiVersion", "config.karmada.io/v1alpha1"}, {"kind", "ResourceInterpreterContext"}, {"request", request}};
}

struct Answer {
  int status = 0;  // 0: no HTTP answer
  json response;
  Clock::duration took{};
};

// Sends the case once on each of `n` fresh connections at the same time.
std::vector<Answer> send_concurrently(int port, const fs::path& ca, const Case& c, int n, const std::string& tag) {
  std::vector<Answer> answers(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  std::atomic<int> waiting{n};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      httplib::SSLClient cli("127.0.0.1", port);
      cli.set_ca_cert_path(ca.c_str());
      cli.enable_server_certificate_verification(true);
      cli.set_tcp_nodelay(true);
      cli.set_connection_timeout(std::chrono::seconds(5));
      cli.set_read_timeout(std::chrono::seconds(30));
      const std::string body = review(c, tag + "-" + std::to_string(i)).dump();
      --waiting;
      while (waiting > 0) std::this_thread::yield();
      const auto start = Clock::now();
      auto res = cli.Post("/interpreter", body, "application/json");
      Answer& a = answers[static_cast<std::size_t>(i)];
      a.took = Clock::now() - start;
      if (!res) return;
      a.status = res->status;
      const json parsed = json::parse(res->body, nullptr, false);
      if (parsed.is_object() && parsed.contains("response")) a.response = parsed["response"];
    });
  }
  for (auto& t : threads) t.join();
  return answers;
}

std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) names.insert(fs::relative(e.path(), dir).string());
  return names;
}

// Runs `f` with the process working directory set to `dir` (the forked child keeps it).
template <typename F>
auto in_directory(const fs::path& dir, F&& f) {
  const fs::path previous = fs::current_path();
  fs::current_path(dir);
  struct Back {
    fs::path to;
    ~Back() { fs::current_path(to); }
  } back{previous};
  return f();
}

}  // namespace

TEST_CASE("hostile Lua corpus over HTTPS: clear answers within budget, no escape, every worker keeps serving",
          "[hostile][https][serve]") {
  for (const auto& s : kSentinels) fs::remove(s);
  TempDir tmp;
  const fs::path cwd = tmp.path() / "cwd";
  const fs::path state = tmp.path() / "state";
  fs::create_directories(cwd);
  Case canary;
  const auto cases = load_corpus(fs::path(CELL0_TEST_DATA_DIR) / "hostile_lua", canary);
  REQUIRE(cases.size() >= 40);
  REQUIRE(canary.expect.value("canary", false));

  const int port = free_port();
  cell0::cli::ServeSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(port);
  settings.state_dir = state.string();
  settings.customizations = {(fs::path(CELL0_TEST_DATA_DIR) / "hostile_lua").string()};
  settings.threads = kWorkers;
  settings.lua_timeout = std::to_string(kLuaTimeout.count()) + "ms";
  settings.lua_memory = "16Mi";
  settings.shutdown_grace = "5s";
  settings.log_level = "error";
  auto config = cell0::cli::resolve_settings(settings);
  REQUIRE(config.ok());
  // The child logs at the level it inherits (run_serve leaves logging to its caller): errors only,
  // not a warning per hostile request.
  const auto log_level = spdlog::get_level();
  spdlog::set_level(spdlog::level::err);
  auto serve = in_directory(cwd, [&] { return std::make_unique<cell0::testing::ForkedServe>(*config); });
  spdlog::set_level(log_level);

  const fs::path ca = state / "ca.crt";
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(ca)) continue;
    httplib::SSLClient cli("127.0.0.1", port);
    cli.set_ca_cert_path(ca.c_str());
    cli.enable_server_certificate_verification(true);
    auto res = cli.Get("/readyz");
    ready = res && res->status == 200;
  }
  REQUIRE(ready);
  const std::set<std::string> state_files = files_under(state);

  auto canaries_pass = [&](const std::string& tag) {
    bool all = true;
    for (const Answer& a : send_concurrently(port, ca, canary, kWorkers, tag)) {
      INFO("canary " << tag << ": HTTP " << a.status << " " << a.response.dump());
      CHECK(a.status == 200);
      CHECK(a.response.value("successful", false) == true);
      CHECK(a.response.value("healthy", false) == true);
      all = all && a.status == 200 && a.response.value("successful", false) && a.response.value("healthy", false);
    }
    return all;
  };
  // Warm up: every worker and Lua state exists before the baseline is taken.
  for (int i = 0; i < 3; ++i) REQUIRE(canaries_pass("warmup" + std::to_string(i)));
  const long baseline_kib = cell0::testing::rss_kib(serve->pid());
  REQUIRE(baseline_kib > 0);

  Clock::duration slowest{};
  std::string slowest_case;
  long peak_kib = baseline_kib;
  for (const Case& c : cases) {
    // Twice: the second round runs on states the first one may have spoiled or poisoned.
    for (int round = 0; round < 2; ++round) {
      const std::string tag = c.file + "#" + std::to_string(round);
      for (const Answer& a : send_concurrently(port, ca, c, kWorkers, tag)) {
        INFO(tag << ": HTTP " << a.status << " after "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(a.took).count()
                 << " ms: " << a.response.dump().substr(0, 2000));
        CHECK(a.status == 200);
        CHECK(a.took < kLuaTimeout + kSlack);
        CHECK(a.response.value("uid", "").rfind(tag, 0) == 0);
        CHECK(a.response.value("successful", !c.expect["successful"].get<bool>()) == c.expect["successful"]);
        const std::string message = a.response.value("status", json::object()).value("message", "");
        if (c.expect.contains("message")) {
          CHECK_THAT(message, Catch::Contains(c.expect["message"].get<std::string>()));
          // A clear message, not the whole payload of an error bomb.
          CHECK(message.size() < 8192);
        }
        if (c.expect.contains("healthy"))
          CHECK(a.response.value("healthy", !c.expect["healthy"]) == c.expect["healthy"]);
        if (a.took > slowest) {
          slowest = a.took;
          slowest_case = c.file;
        }
      }
      peak_kib = std::max(peak_kib, cell0::testing::rss_kib(serve->pid()));
      INFO("after " << tag);
      CHECK(canaries_pass("canary-after-" + tag));
    }
  }

  // Memory comes back: a few more rounds of good requests let spoiled states be replaced.
  for (int i = 0; i < 3; ++i) CHECK(canaries_pass("settle" + std::to_string(i)));
  const long after_kib = cell0::testing::rss_kib(serve->pid());
  std::printf(
      "hostile corpus: %zu cases x 2 rounds x %d workers; slowest answer %lld ms (%s); "
      "RSS baseline %ld KiB, peak seen %ld KiB, after %ld KiB\n",
      cases.size(), kWorkers,
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()),
      slowest_case.c_str(), baseline_kib, peak_kib, after_kib);
  CHECK(after_kib > 0);
  // Within 8 MiB of the start: about 2 MiB is seen. Without serve's fixed mmap threshold a refused
  // 64 MiB result left 15–40 MiB in glibc's heap. ASan's allocator keeps freed memory in its
  // quarantine by design, so there RSS says nothing about the server.
  if (!kAddressSanitizer) CHECK(after_kib < baseline_kib + 8 * 1024);

  // Nothing written: not in the working directory, not in the state dir, not at the sentinels.
  CHECK(files_under(cwd).empty());
  CHECK(files_under(state) == state_files);
  for (const auto& s : kSentinels) CHECK_FALSE(fs::exists(s));

  const auto status = serve->terminate(std::chrono::seconds(10));
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}
