#include "cli/serve_settings.h"

#include <cstdlib>
#include <fstream>
#include <tuple>

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

#include "cli/serve_command.h"
#include "tests/certs/temp_dir.h"

using namespace cell0::cli;
using cell0::testing::TempDir;
using namespace std::chrono_literals;

TEST_CASE("durations and sizes parse with units", "[settings]") {
  CHECK(*parse_duration("10s") == 10s);
  CHECK(*parse_duration("500ms") == 500ms);
  CHECK(*parse_duration("2m") == 120s);
  CHECK(*parse_duration("1.5s") == 1500ms);
  CHECK(*parse_duration("7") == 7s);
  CHECK_FALSE(parse_duration("ten").ok());
  CHECK_FALSE(parse_duration("10x").ok());
  CHECK_FALSE(parse_duration("").ok());
  CHECK(*parse_byte_size("64Mi") == 64u << 20);
  CHECK(*parse_byte_size("512Ki") == 512u << 10);
  CHECK(*parse_byte_size("1G") == 1000000000u);
  CHECK(*parse_byte_size("4096") == 4096u);
  CHECK_FALSE(parse_byte_size("64mb").ok());
}

TEST_CASE("setting keys ignore dashes, underscores and case", "[settings]") {
  CHECK(setting_key("--tls-cert") == "tlscert");
  CHECK(setting_key("tlsCert") == "tlscert");
  CHECK(setting_key("shutdown_grace") == "shutdowngrace");
}

TEST_CASE("a config file fills what the flags did not set", "[settings]") {
  TempDir tmp;
  const auto file = tmp.path() / "serve.yaml";
  std::ofstream(file) << "listen: 0.0.0.0:9443\n"
                         "tlsSans: [webhook.karmada-system.svc, 10.0.0.1]\n"
                         "customizations:\n  - /a\n  - /b\n"
                         "shutdown-grace: 3s\n"
                         "threads: 8\n"
                         "logLevel: debug\n";
  ServeSettings s;
  s.log_level = "warn";
  REQUIRE(apply_config_file(file, s, {"loglevel"}).ok());
  CHECK(s.listen == "0.0.0.0:9443");
  CHECK(s.tls_sans == std::vector<std::string>{"webhook.karmada-system.svc", "10.0.0.1"});
  CHECK(s.customizations == std::vector<std::string>{"/a", "/b"});
  CHECK(s.shutdown_grace == "3s");
  CHECK(s.threads == 8);
  CHECK(s.log_level == "warn");  // the flag wins
}

TEST_CASE("a config file with an unknown key or bad YAML is an error", "[settings]") {
  TempDir tmp;
  const auto file = tmp.path() / "serve.yaml";
  std::ofstream(file) << "listne: 1.2.3.4:1\n";
  ServeSettings s;
  auto r = apply_config_file(file, s, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("unknown setting \"listne\"") != std::string::npos);
  std::ofstream(file, std::ios::trunc) << "listen: [unclosed\n";
  CHECK_FALSE(apply_config_file(file, s, {}).ok());
  CHECK_FALSE(apply_config_file(tmp.path() / "missing.yaml", s, {}).ok());
}

TEST_CASE("resolve_settings checks and types the settings", "[settings]") {
  TempDir tmp;
  ServeSettings s;
  s.customizations = {tmp.path().string()};
  s.tls_sans = {"webhook.example", "localhost"};
  s.state_dir = (tmp.path() / "state").string();
  auto c = resolve_settings(s);
  REQUIRE(c.ok());
  CHECK(c->server.host == "127.0.0.1");
  CHECK(c->server.port == 8443);
  CHECK(c->sans == std::vector<std::string>{"localhost", "127.0.0.1", "webhook.example"});
  CHECK(c->shutdown_grace == 10s);
  CHECK(c->shutdown_delay == 5s);
  CHECK(c->engine.deadline == 1s);
  CHECK(c->engine.memory_limit == 64u << 20);
  CHECK(c->state_dir == tmp.path() / "state");

  auto broken = [&](auto change) {
    ServeSettings b = s;
    change(b);
    auto r = resolve_settings(b);
    CHECK_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
  };
  CHECK(broken([](ServeSettings& b) { b.tls_cert = "x.crt"; }).find("go together") != std::string::npos);
  CHECK(broken([](ServeSettings& b) { b.listen = "nope"; }).find("--listen") != std::string::npos);
  CHECK(broken([&](ServeSettings& b) { b.customizations = {(tmp.path() / "none").string()}; }).find("does not exist") !=
        std::string::npos);
  CHECK(broken([](ServeSettings& b) { b.client_ca = "/nonexistent/ca.crt"; }).find("--client-ca") != std::string::npos);
  CHECK(broken([](ServeSettings& b) { b.lua_timeout = "0s"; }).find("--lua-timeout") != std::string::npos);
  CHECK(broken([](ServeSettings& b) { b.lua_memory = "10"; }).find("--lua-memory") != std::string::npos);
  CHECK(broken([](ServeSettings& b) { b.log_level = "loud"; }).find("--log-level") != std::string::npos);
  CHECK(broken([](ServeSettings& b) { b.shutdown_grace = "soon"; }).find("--shutdown-grace") != std::string::npos);
  CHECK(broken([](ServeSettings& b) { b.shutdown_delay = "later"; }).find("--shutdown-delay") != std::string::npos);
}

TEST_CASE("the default state dir follows XDG_STATE_HOME", "[settings]") {
  const char* old = std::getenv("XDG_STATE_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_STATE_HOME", "/tmp/xdg-state", 1);
  CHECK(default_state_dir() == std::filesystem::path("/tmp/xdg-state/cell0-webhook"));
  if (old)
    ::setenv("XDG_STATE_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_STATE_HOME");
}

TEST_CASE("the bundled customizations are found", "[settings]") {
  const auto dir = default_customizations_dir();
  CHECK(dir ==
        std::filesystem::weakly_canonical(std::filesystem::path(CELL0_SOURCE_DIR) / "interpreters" / "customizations"));
}

TEST_CASE("client limits: defaults, flags, config keys and bad values", "[settings]") {
  TempDir tmp;
  ServeSettings s;
  s.customizations = {tmp.path().string()};
  auto c = resolve_settings(s);
  REQUIRE(c.ok());
  CHECK(c->server.read_timeout == 10s);
  CHECK(c->server.write_timeout == 10s);
  CHECK(c->server.header_timeout == 10s);
  CHECK(c->server.body_timeout == 30s);
  CHECK(c->server.keep_alive_timeout == 120s);  // longer than the 90 s of Go's transport
  CHECK(c->server.max_header_bytes == 64u << 10);
  CHECK(c->server.max_body_bytes == 3u << 20);
  CHECK(c->max_admission_bytes == 8u << 20);
  CHECK(c->server.max_connections == 4096);

  const auto file = tmp.path() / "serve.yaml";
  std::ofstream(file) << "readTimeout: 2s\n"
                         "write-timeout: 3s\n"
                         "header_timeout: 1500ms\n"
                         "bodyTimeout: 1m\n"
                         "idleTimeout: 2s\n"
                         "maxHeaderBytes: 128Ki\n"
                         "maxRequestBytes: 1Mi\n"
                         "maxAdmissionBytes: 16Mi\n"
                         "maxConnections: 50\n";
  REQUIRE(apply_config_file(file, s, {"maxconnections"}).ok());
  s.max_connections = 70;  // as if given as a flag
  c = resolve_settings(s);
  REQUIRE(c.ok());
  CHECK(c->server.read_timeout == 2s);
  CHECK(c->server.write_timeout == 3s);
  CHECK(c->server.header_timeout == 1500ms);
  CHECK(c->server.body_timeout == 60s);
  CHECK(c->server.keep_alive_timeout == 2s);
  CHECK(c->server.max_header_bytes == 128u << 10);
  CHECK(c->server.max_body_bytes == 1u << 20);
  CHECK(c->max_admission_bytes == 16u << 20);
  CHECK(c->server.max_connections == 70);

  auto broken = [&](auto change) {
    ServeSettings b = s;
    change(b);
    auto r = resolve_settings(b);
    CHECK_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
  };
  auto mentions = [](const std::string& message, const char* flag) {
    INFO(message);
    return message.find(flag) != std::string::npos;
  };
  CHECK(mentions(broken([](ServeSettings& b) { b.read_timeout = "0s"; }), "--read-timeout"));
  CHECK(mentions(broken([](ServeSettings& b) { b.write_timeout = "soon"; }), "--write-timeout"));
  CHECK(mentions(broken([](ServeSettings& b) { b.header_timeout = "2h"; }), "--header-timeout"));
  CHECK(mentions(broken([](ServeSettings& b) { b.body_timeout = "-1s"; }), "--body-timeout"));
  CHECK(mentions(broken([](ServeSettings& b) { b.idle_timeout = "0"; }), "--idle-timeout"));
  CHECK(mentions(broken([](ServeSettings& b) { b.max_header_bytes = "8Ki"; }), "--max-header-bytes"));
  CHECK(mentions(broken([](ServeSettings& b) { b.max_request_bytes = "lots"; }), "--max-request-bytes"));
  CHECK(mentions(broken([](ServeSettings& b) { b.max_admission_bytes = "2Gi"; }), "--max-admission-bytes"));
  CHECK(mentions(broken([](ServeSettings& b) { b.max_connections = 2000000; }), "--max-connections"));
  s.max_connections = 0;  // no cap
  CHECK(resolve_settings(s).ok());

  // Every limit is a `serve` flag.
  CLI::App app;
  add_serve_command(app);
  CLI::App* serve = app.get_subcommand("serve");
  for (const char* flag : {"--read-timeout", "--write-timeout", "--header-timeout", "--body-timeout", "--idle-timeout",
                           "--max-header-bytes", "--max-request-bytes", "--max-admission-bytes", "--max-connections"}) {
    CHECK_NOTHROW(serve->get_option(flag));
  }
}

TEST_CASE("serve --help shows the defaults of the parts the flags configure", "[settings]") {
  CLI::App app;
  add_serve_command(app);
  CLI::App* serve = app.get_subcommand("serve");
  const std::string help = serve->help();
  // The values --help showed before the defaults moved to the parts (EngineOptions,
  // ServerOptions, kAdmissionMaxBodyBytes) and ServeConfig.
  for (const auto& [flag, shown] : std::vector<std::pair<std::string, std::string>>{{"--listen", "127.0.0.1:8443"},
                                                                                    {"--threads", "0"},
                                                                                    {"--read-timeout", "10s"},
                                                                                    {"--write-timeout", "10s"},
                                                                                    {"--header-timeout", "10s"},
                                                                                    {"--body-timeout", "30s"},
                                                                                    {"--idle-timeout", "120s"},
                                                                                    {"--max-header-bytes", "64Ki"},
                                                                                    {"--max-request-bytes", "3Mi"},
                                                                                    {"--max-admission-bytes", "8Mi"},
                                                                                    {"--max-connections", "4096"},
                                                                                    {"--shutdown-delay", "5s"},
                                                                                    {"--shutdown-grace", "10s"},
                                                                                    {"--lua-timeout", "1s"},
                                                                                    {"--lua-memory", "64Mi"},
                                                                                    {"--log-level", "info"}}) {
    INFO(flag);
    CHECK(serve->get_option(flag)->get_default_str() == shown);
    const auto at = help.find("  " + flag + " ");  // "  --lua-timeout TEXT=1s  Deadline of ..."
    REQUIRE(at != std::string::npos);
    CHECK(help.substr(at, help.find('\n', at) - at).find("=" + shown) != std::string::npos);
  }

  // The text of every default reads back as the part's own value.
  TempDir tmp;
  ServeSettings s;
  s.customizations = {tmp.path().string()};
  auto c = resolve_settings(s);
  REQUIRE(c.ok());
  auto server_fields = [](const cell0::webhook::ServerOptions& o) {
    return std::tuple(o.host, o.port, o.threads, o.read_timeout, o.write_timeout, o.header_timeout, o.body_timeout,
                      o.keep_alive_timeout, o.max_header_bytes, o.max_body_bytes, o.max_connections,
                      o.keep_alive_max_requests, o.max_json_depth);
  };
  CHECK(server_fields(c->server) == server_fields(cell0::webhook::ServerOptions{}));
  const cell0::interp::EngineOptions engine;
  CHECK(c->engine.deadline == engine.deadline);
  CHECK(c->engine.memory_limit == engine.memory_limit);
  CHECK(c->engine.pool_size == cell0::webhook::server_threads(0));  // one Lua state per server thread
  CHECK(c->max_admission_bytes == cell0::webhook::kAdmissionMaxBodyBytes);
  CHECK(c->log_level == spdlog::level::info);

  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(2min) == "120s");
  CHECK(format_byte_size(3u << 20) == "3Mi");
  CHECK(format_byte_size(1u << 30) == "1Gi");
  CHECK(format_byte_size(1000) == "1000");
}
