// A Server on 127.0.0.1 (any free port) with certificates generated in a temp dir, running on its
// own thread, and clients that verify it against the generated CA.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "certs/state_dir.h"
#include "tests/certs/temp_dir.h"
#include "webhook/server.h"

namespace cell0::testing {

struct TestServerOptions {
  bool client_ca = false;
  std::size_t max_body = 3u << 20;
  std::size_t threads = 4;
};

class TestServer {
 public:
  // more: further routes, e.g. /mutate and /validate.
  explicit TestServer(webhook::JsonEndpoint interpreter, TestServerOptions o = {},
                      std::map<std::string, webhook::JsonEndpoint> more = {})
      : metrics_(registry_) {
    auto paths = certs::ensure_state_dir_certs(dir_.path(), {"localhost", "127.0.0.1"});
    REQUIRE(paths.ok());
    webhook::ServerOptions options;
    options.port = 0;
    options.cert_file = paths->cert;
    options.key_file = paths->key;
    options.threads = o.threads;
    options.max_body_bytes = o.max_body;
    if (o.client_ca) options.client_ca_file = paths->ca_cert;
    server_ = std::make_unique<webhook::Server>(options, metrics_);
    server_->add_json_endpoint("/interpreter", std::move(interpreter));
    for (auto& [path, endpoint] : more) server_->add_json_endpoint(path, std::move(endpoint));
    server_->set_readiness_probe([this] { return webhook::Readiness{ready_.load(), {{"customizations", 1}}}; });
    auto bound = server_->bind();
    REQUIRE(bound.ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  ~TestServer() {
    server_->stop();
    thread_.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::unique_ptr<httplib::SSLClient> client() const {
    auto cli = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port());
    configure(*cli);
    return cli;
  }
  void configure(httplib::SSLClient& cli) const {
    cli.set_ca_cert_path(ca_path().c_str());
    cli.enable_server_certificate_verification(true);
    cli.set_connection_timeout(std::chrono::seconds(5));
    cli.set_tcp_nodelay(true);  // as Go clients (the apiserver, Karmada) do
    cli.set_read_timeout(std::chrono::seconds(10));
  }
  std::string ca_path() const { return (dir_.path() / "ca.crt").string(); }
  const std::filesystem::path& dir() const { return dir_.path(); }
  webhook::Server& server() { return *server_; }
  common::MetricsRegistry& registry() { return registry_; }
  std::atomic<bool>& ready() { return ready_; }

 private:
  TempDir dir_;
  common::MetricsRegistry registry_;
  webhook::WebhookMetrics metrics_;
  std::unique_ptr<webhook::Server> server_;
  std::thread thread_;
  std::atomic<bool> ready_{true};
};

}  // namespace cell0::testing
