// `serve` as a whole: --check-config, and a forked server that reloads customizations, keeps the
// last good set and exits 0 on SIGTERM, and counts its policy reloads in /metrics.
#include "cli/serve_command.h"
#include "tests/support/forked_serve.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <httplib.h>
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli/serve_settings.h"
#include "tests/certs/temp_dir.h"

using namespace cell0::cli;
using cell0::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

using cell0::testing::free_port;

constexpr const char* kHealthRule = R"(apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: workload
spec:
  target:
    apiVersion: workload.example.io/v1alpha1
    kind: Workload
  customizations:
    healthInterpretation:
      luaScript: |
        function InterpretHealth(obj)
          return obj.status.readyReplicas == obj.spec.replicas
        end
)";

constexpr const char* kBrokenRule = R"(apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: broken
spec:
  target:
    apiVersion: workload.example.io/v1alpha1
    kind: Broken
  customizations:
    healthInterpretation:
      luaScript: |
        function InterpretHealth(obj)
          return (
        end
)";

// The exit status of `serve ARGS` as run_cli would give it, without printing the error line.
int parse_serve(const std::vector<std::string>& args) {
  CLI::App app;
  const cell0::cli::Command command = add_serve_command(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  reversed.push_back("serve");
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code();
  }
  const auto status = command.run();
  return status ? *status : command.failure_status;
}

json health_review(const std::string& uid) {
  return {{"apiVersion", "config.karmada.io/v1alpha1"},
          {"kind", "ResourceInterpreterContext"},
          {"request",
           {{"uid", uid},
            {"operation", "InterpretHealth"},
            {"replicas", 0},
            {"object",
             {{"apiVersion", "workload.example.io/v1alpha1"},
              {"kind", "Workload"},
              {"metadata", {{"name", "w"}}},
              {"spec", {{"replicas", 2}}},
              {"status", {{"readyReplicas", 2}}}}}}}};
}

constexpr const char* kGoodPolicy = "apiVersion: cell0.ccos.io/v1alpha1\nkind: WebhookPolicy\n";
constexpr const char* kBrokenPolicy =
    "apiVersion: cell0.ccos.io/v1alpha1\nkind: WebhookPolicy\nwhitelist:\n  enforcement: Deny\n";
constexpr const char* kOtherGoodPolicy =
    "apiVersion: cell0.ccos.io/v1alpha1\nkind: WebhookPolicy\nwhitelist:\n  enforcement: Warn\n";

// A forked serve's settings: on `port`, the rules in tmp/rules (kHealthRule), the generated CA in
// tmp/state.
ServeSettings forked_settings(const fs::path& tmp, int port) {
  const fs::path rules = tmp / "rules";
  fs::create_directories(rules);
  std::ofstream(rules / "workload.yaml") << kHealthRule;
  ServeSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(port);
  settings.state_dir = (tmp / "state").string();
  settings.customizations = {rules.string()};
  settings.shutdown_grace = "5s";
  settings.log_level = "error";
  return settings;
}

// The value of an unlabelled metric in /metrics, or -1 while it cannot be read.
double metric_value(httplib::SSLClient& client, const std::string& name) {
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  const std::string prefix = "\n" + name + " ";
  const auto at = res->body.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(res->body.substr(at + prefix.size()));
}

template <typename Pred>
bool eventually(Pred pred, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_CASE("serve --check-config loads everything and exits 0 or 1", "[serve]") {
  TempDir tmp;
  std::ofstream(tmp.path() / "workload.yaml") << kHealthRule;
  CHECK(parse_serve({"--customizations", tmp.path().string(), "--check-config", "--log-level", "error"}) == 0);
  std::ofstream(tmp.path() / "broken.yaml") << kBrokenRule;
  CHECK(parse_serve({"--customizations", tmp.path().string(), "--check-config", "--log-level", "error"}) == 1);
  CHECK(parse_serve({"--customizations", (tmp.path() / "none").string(), "--check-config"}) == 1);
  CHECK(parse_serve({"--tls-cert", "x", "--check-config"}) == 1);

  const fs::path config = tmp.path() / "serve.yaml";
  std::ofstream(config) << "customizations: [" << (tmp.path() / "workload.yaml").string() << "]\nlogLevel: error\n";
  CHECK(parse_serve({"--config", config.string(), "--check-config"}) == 0);
  // The flag overrides the file.
  CHECK(parse_serve({"--config", config.string(), "--customizations", tmp.path().string(), "--check-config"}) == 1);
}

TEST_CASE("serve reloads customizations, keeps the last good set and exits 0 on SIGTERM", "[serve]") {
  TempDir tmp;
  const fs::path rules = tmp.path() / "rules";
  const int port = free_port();
  auto config = resolve_settings(forked_settings(tmp.path(), port));
  REQUIRE(config.ok());

  cell0::testing::ForkedServe serve(*config);

  const fs::path ca = tmp.path() / "state" / "ca.crt";
  auto client = [&] { return cell0::testing::serve_client(port, ca); };
  auto readyz = [&]() -> json {
    if (!fs::exists(ca)) return json::object();
    auto res = client()->Get("/readyz");
    return res ? json::parse(res->body) : json::object();
  };
  bool ok = eventually([&] { return readyz().value("ready", false); }, 20);
  if (ok) {
    auto res = client()->Post("/interpreter", health_review("s1").dump(), "application/json");
    REQUIRE(res);
    CHECK(json::parse(res->body)["response"]["healthy"] == true);

    std::ofstream(rules / "broken.yaml") << kBrokenRule;
    CHECK(eventually([&] { return readyz().contains("lastReloadError"); }, 10));
    const json ready = readyz();
    CHECK(ready["ready"] == true);
    res = client()->Post("/interpreter", health_review("s2").dump(), "application/json");
    REQUIRE(res);
    CHECK(json::parse(res->body)["response"]["successful"] == true);

    auto metrics = client()->Get("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("cell0_customizations_reload_failures_total 1") != std::string::npos);
    CHECK(metrics->body.find("cell0_customizations_ready 1") != std::string::npos);
    CHECK(metrics->body.find("cell0_lua_runs_total") != std::string::npos);
  }
  const auto status = serve.terminate(std::chrono::seconds(10));
  REQUIRE(ok);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

TEST_CASE("serve counts policy reloads and failed ones in /metrics", "[serve][policy]") {
  TempDir tmp;
  const fs::path policy = tmp.path() / "policy.yaml";
  std::ofstream(policy) << kGoodPolicy;
  const int port = free_port();
  ServeSettings settings = forked_settings(tmp.path(), port);
  settings.policy = policy.string();
  auto config = resolve_settings(settings);
  REQUIRE(config.ok());

  cell0::testing::ForkedServe serve(*config);
  const fs::path ca = tmp.path() / "state" / "ca.crt";
  using cell0::testing::serve_client;
  auto value = [&](const std::string& name) {
    return fs::exists(ca) ? metric_value(*serve_client(port, ca), name) : -1;
  };
  // The policy is polled every second and a change loads once it held still for one poll: a
  // few seconds at most; the 30 s limits only stop a hang on a loaded machine.
  const bool loaded = eventually([&] { return value("cell0_policy_reloads_total") == 1; }, 30);
  if (loaded) {
    auto metrics = serve_client(port, ca)->Get("/metrics");
    REQUIRE(metrics);
    CHECK_THAT(metrics->body, Catch::Contains("# HELP cell0_policy_reloads_total "));
    CHECK_THAT(metrics->body, Catch::Contains("# TYPE cell0_policy_reloads_total counter\n"));
    CHECK_THAT(metrics->body, Catch::Contains("# TYPE cell0_policy_reload_failures_total counter\n"));
    CHECK(value("cell0_policy_reload_failures_total") == 0);

    std::ofstream(policy, std::ios::trunc) << kBrokenPolicy;
    CHECK(eventually([&] { return value("cell0_policy_reload_failures_total") == 1; }, 30));
    CHECK(value("cell0_policy_reloads_total") == 2);

    std::ofstream(policy, std::ios::trunc) << kOtherGoodPolicy;
    CHECK(eventually([&] { return value("cell0_policy_reloads_total") == 3; }, 30));
    CHECK(value("cell0_policy_reload_failures_total") == 1);
    // The customizations' counters stay their own.
    CHECK(value("cell0_customizations_reloads_total") == 1);
    CHECK(value("cell0_customizations_reload_failures_total") == 0);
  }
  const auto status = serve.terminate(std::chrono::seconds(10));
  REQUIRE(loaded);
  REQUIRE(status.has_value());
  CHECK(WEXITSTATUS(*status) == 0);
}
