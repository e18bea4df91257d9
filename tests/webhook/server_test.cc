// The HTTPS server in-process on 127.0.0.1 with a generated CA, a fake interpreter behind the
// real codec, and httplib::SSLClient verifying the server against that CA.
#include "webhook/server.h"

#include <catch2/catch.hpp>

#include "certs/pem.h"
#include "tests/webhook/test_server.h"
#include "webhook/interpreter_endpoint.h"

using namespace cell0::webhook;
using cell0::testing::TempDir;
using nlohmann::json;
namespace common = cell0::common;
namespace interp = cell0::interp;

namespace {

common::Result<interp::InterpretResult> fake_interpret(const interp::InterpretRequest& request) {
  if (request.object.value("kind", "") != "Workload") return common::Error{common::ErrorKind::NoHook, "no rule"};
  if (request.object.contains("sleepMs")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(request.object["sleepMs"].get<int>()));
  }
  interp::InterpretResult r;
  r.healthy = true;
  return r;
}

json health_review(const std::string& uid, const std::string& kind = "Workload") {
  return json{{"apiVersion", "config.karmada.io/v1alpha1"},
              {"kind", "ResourceInterpreterContext"},
              {"request",
               {{"uid", uid},
                {"operation", "InterpretHealth"},
                {"replicas", 0},
                {"object", {{"apiVersion", "example.io/v1"}, {"kind", kind}, {"metadata", {{"name", "n"}}}}}}}};
}

class Fixture : public cell0::testing::TestServer {
 public:
  explicit Fixture(bool client_ca = false, std::size_t max_body = 3u << 20)
      : TestServer(interpreter_endpoint(InterpretFn(fake_interpret)), {client_ca, max_body}) {}
};

json post_json(httplib::SSLClient& cli, const std::string& body, int expected_status,
               const char* content_type = "application/json") {
  auto res = cli.Post("/interpreter", body, content_type);
  REQUIRE(res);
  CHECK(res->status == expected_status);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  return json::parse(res->body);
}

}  // namespace

TEST_CASE("POST /interpreter answers over verified TLS", "[server]") {
  Fixture f;
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  const json body = post_json(cli, health_review("u1").dump(), 200);
  CHECK(body["response"] == json::parse(R"({"uid":"u1","successful":true,"status":{"code":200},"healthy":true})"));
}

TEST_CASE("malformed JSON is HTTP 400 with a message", "[server]") {
  Fixture f;
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  const json body = post_json(cli, "{\"request\":", 400);
  CHECK(body["response"]["successful"] == false);
  CHECK(body["response"]["status"]["code"] == 400);
  CHECK(body["response"]["status"]["message"].get<std::string>().find("malformed JSON") != std::string::npos);
}

TEST_CASE("deeply nested JSON is refused before parsing and the server keeps serving", "[server]") {
  Fixture f;
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  const std::size_t depth = 200000;
  std::string deep = R"({"request":{"uid":"u","object":)" + std::string(depth, '[') + std::string(depth, ']') + "}}";
  const json body = post_json(cli, deep, 400);
  CHECK(body["response"]["status"]["message"] == "JSON nested deeper than 512 levels");
  // Brackets inside strings do not count.
  json quoted = health_review("u2");
  quoted["request"]["object"]["metadata"]["name"] = std::string(5000, '[');
  CHECK(post_json(cli, quoted.dump(), 200)["response"]["successful"] == true);
}

TEST_CASE("a body that is not application/json is HTTP 415", "[server]") {
  Fixture f;
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  const json body = post_json(cli, health_review("u1").dump(), 415, "text/plain");
  CHECK(body["response"]["status"]["message"].get<std::string>().find("text/plain") != std::string::npos);
  // Parameters and case do not matter.
  post_json(cli, health_review("u2").dump(), 200, "Application/JSON; charset=utf-8");
}

TEST_CASE("a body over the limit is HTTP 413", "[server]") {
  Fixture f(false, 1024);
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  json review = health_review("big");
  review["request"]["object"]["data"] = std::string(4096, 'x');
  const json body = post_json(cli, review.dump(), 413);
  CHECK(body["response"]["status"]["message"].get<std::string>().find("1024") != std::string::npos);
  // The server keeps serving.
  auto again_ptr = f.client();
  auto& again = *again_ptr;
  post_json(again, health_review("small").dump(), 200);
}

TEST_CASE("a request without uid is HTTP 400; an unknown kind is successful:false", "[server]") {
  Fixture f;
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  json no_uid = health_review("");
  const json refused = post_json(cli, no_uid.dump(), 400);
  CHECK(refused["response"]["status"]["message"] == "missing request.uid");

  const json unknown = post_json(cli, health_review("u5", "Unknown").dump(), 200);
  CHECK(unknown["response"]["uid"] == "u5");
  CHECK(unknown["response"]["successful"] == false);
  CHECK(unknown["response"]["status"]["code"] == 404);
  CHECK(unknown["response"]["status"]["message"].get<std::string>().find("no rule") != std::string::npos);

  json bad_op = health_review("u6");
  bad_op["request"]["operation"] = "Prune";
  const json refused_op = post_json(cli, bad_op.dump(), 200);
  CHECK(refused_op["response"]["status"]["code"] == 400);
  CHECK(refused_op["response"]["uid"] == "u6");
}

TEST_CASE("healthz, readyz, metrics and unknown paths", "[server]") {
  Fixture f;
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  auto health = cli.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);

  auto ready = cli.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(json::parse(ready->body) == json::parse(R"({"ready":true,"customizations":1})"));
  f.ready() = false;
  ready = cli.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 503);

  post_json(cli, health_review("m1").dump(), 200);
  post_json(cli, "nope", 400);
  auto metrics = cli.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(
      metrics->body.find(
          R"(cell0_webhook_requests_total{endpoint="/interpreter",operation="InterpretHealth",kind="Workload",result="ok"} 1)") !=
      std::string::npos);
  CHECK(metrics->body.find(
            R"(cell0_webhook_requests_total{endpoint="/interpreter",operation="",kind="",result="malformed"} 1)") !=
        std::string::npos);
  CHECK(metrics->body.find("cell0_webhook_request_duration_seconds_bucket{") != std::string::npos);

  auto missing = cli.Get("/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body)["message"] == "no such endpoint: /nope");
}

TEST_CASE("a client without the server's CA refuses the connection", "[server]") {
  Fixture f;
  TempDir other;
  auto paths = cell0::certs::ensure_state_dir_certs(other.path(), {"localhost"});
  REQUIRE(paths.ok());
  httplib::SSLClient cli("127.0.0.1", f.server().port());
  cli.set_ca_cert_path(paths->ca_cert.c_str());
  cli.enable_server_certificate_verification(true);
  CHECK_FALSE(cli.Get("/healthz"));
}

TEST_CASE("TLS below 1.2 is refused", "[server]") {
  Fixture f;
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  SSL_CTX_set_min_proto_version(cli.ssl_context(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(cli.ssl_context(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(cli.ssl_context(), 0);
  CHECK_FALSE(cli.Get("/healthz"));
}

TEST_CASE("with a client CA, clients must present a certificate it signed", "[server]") {
  Fixture f(true);
  auto anonymous_ptr = f.client();
  auto& anonymous = *anonymous_ptr;
  CHECK_FALSE(anonymous.Get("/healthz"));

  auto ca_cert = cell0::certs::load_certificate(f.dir() / "ca.crt");
  auto ca = cell0::certs::load_key_pair(f.dir() / "ca.crt", f.dir() / "ca.key");
  REQUIRE(ca.ok());
  auto client_cert = cell0::certs::issue_certificate(
      *ca, {.common_name = "karmada-controller-manager", .sans = {}, .usage = cell0::certs::Usage::Client});
  REQUIRE(client_cert.ok());
  httplib::SSLClient cli("127.0.0.1", f.server().port(), client_cert->cert.get(), client_cert->key.get());
  f.configure(cli);
  auto res = cli.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);

  auto stranger_ca = cell0::certs::generate_ca();
  REQUIRE(stranger_ca.ok());
  auto stranger = cell0::certs::issue_certificate(
      *stranger_ca, {.common_name = "stranger", .sans = {}, .usage = cell0::certs::Usage::Client});
  REQUIRE(stranger.ok());
  httplib::SSLClient bad("127.0.0.1", f.server().port(), stranger->cert.get(), stranger->key.get());
  f.configure(bad);
  CHECK_FALSE(bad.Get("/healthz"));
}

TEST_CASE("stop() lets the request in flight finish", "[server]") {
  Fixture f;
  json slow = health_review("slow");
  slow["request"]["object"]["sleepMs"] = 500;
  httplib::Result result{nullptr, httplib::Error::Unknown};
  std::thread caller([&] {
    auto cli_ptr = f.client();
    auto& cli = *cli_ptr;
    result = cli.Post("/interpreter", slow.dump(), "application/json");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  f.server().stop();
  CHECK(f.server().stopping());
  caller.join();
  REQUIRE(result);
  CHECK(result->status == 200);
  CHECK(json::parse(result->body)["response"]["uid"] == "slow");
  // No new connections after stop.
  auto late_ptr = f.client();
  auto& late = *late_ptr;
  CHECK_FALSE(late.Get("/healthz"));
}

TEST_CASE("reload_certificates keeps the old pair when the new one is broken", "[server]") {
  Fixture f;
  std::filesystem::copy_file(f.dir() / "ca.key", f.dir() / "tls.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto reloaded = f.server().reload_certificates();
  CHECK_FALSE(reloaded.ok());
  CHECK(reloaded.error().message.find("does not match") != std::string::npos);
  auto cli_ptr = f.client();
  auto& cli = *cli_ptr;
  auto res = cli.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("listen addresses parse", "[server]") {
  CHECK(*parse_listen_address("127.0.0.1:8443") == std::pair<std::string, int>{"127.0.0.1", 8443});
  CHECK(*parse_listen_address("[::1]:9443") == std::pair<std::string, int>{"::1", 9443});
  CHECK(*parse_listen_address(":8443") == std::pair<std::string, int>{"0.0.0.0", 8443});
  CHECK_FALSE(parse_listen_address("localhost").ok());
  CHECK_FALSE(parse_listen_address("::1:80").ok());
  CHECK_FALSE(parse_listen_address("h:99999").ok());
  CHECK_FALSE(parse_listen_address("h:8x").ok());
}

TEST_CASE("stop() does not wait long for idle keep-alive connections", "[server]") {
  auto f = std::make_unique<Fixture>();
  auto cli_ptr = f->client();
  auto& cli = *cli_ptr;
  cli.set_keep_alive(true);
  auto res = cli.Get("/healthz");
  REQUIRE(res);
  const auto start = std::chrono::steady_clock::now();
  f.reset();  // stop() and join the serving thread
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < std::chrono::milliseconds(1500));
}
