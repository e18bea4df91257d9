// The serving certificate rotated under a running `serve` (a Secret volume's ..data swap) while
// clients keep calling it: no request fails, and new connections get the new certificate.
#include <catch2/catch.hpp>

#include <atomic>
#include <regex>
#include <thread>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/certs/temp_dir.h"
#include "tests/deploy/cert_files.h"
#include "tests/deploy/process.h"

using namespace cell0::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const char* const kRequest = R"({"apiVersion":"config.karmada.io/v1alpha1","kind":"ResourceInterpreterContext",
  "request":{"uid":"u1","operation":"InterpretReplica","kind":{"group":"workload.example.io","version":"v1alpha1",
  "kind":"Workload"},"name":"w","namespace":"default","object":{"apiVersion":"workload.example.io/v1alpha1",
  "kind":"Workload","metadata":{"name":"w","namespace":"default"},"spec":{"replicas":3}},"replicas":0}})";

// The certificate a fresh TLS handshake gets, verified against the CA.
cell0::certs::X509Ptr handshake_certificate(int port, const fs::path& ca) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  cell0::certs::X509Ptr peer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    SSL_set_fd(ssl.get(), fd);
    char host[] = "localhost";
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host);
    if (SSL_connect(ssl.get()) == 1) peer.reset(SSL_get1_peer_certificate(ssl.get()));
  }
  close(fd);
  return peer;
}

struct Load {
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::string first_failure;
  std::mutex mutex;

  void record(const httplib::Result& res) {
    if (res && res->status == 200 && res->body.find(R"("replicas":3)") != std::string::npos) {
      ++ok;
      return;
    }
    ++failed;
    std::lock_guard lock(mutex);
    if (first_failure.empty())
      first_failure = res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error());
  }
};

void configure(httplib::SSLClient& client, const fs::path& ca) {
  client.set_ca_cert_path(ca.c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(5s);
  client.set_read_timeout(10s);
}

}  // namespace

TEST_CASE("rotating the serving certificate under load fails no request", "[rotation]") {
  TempDir tmp;
  SecretVolume volume(tmp.path() / "tls");
  auto first = volume.issue();
  volume.publish(first);
  ServeProcess serve(tmp.path() / "serve.log",
                     {"--tls-cert", volume.cert().string(), "--tls-key", volume.key().string(), "--customizations",
                      std::string(CELL0_SOURCE_DIR) + "/interpreters/customizations", "--threads", "4"});
  std::string why;
  REQUIRE(serve.wait_serving(20s, why));
  const int port = serve.port();
  {
    auto seen = handshake_certificate(port, volume.ca_file());
    REQUIRE(seen);
    CHECK(X509_cmp(seen.get(), first.cert.get()) == 0);
  }

  Load load;
  std::vector<std::thread> clients;
  // Keep-alive clients: their connections outlive rotations.
  for (int i = 0; i < 2; ++i) {
    clients.emplace_back([&] {
      httplib::SSLClient client("127.0.0.1", port);
      configure(client, volume.ca_file());
      client.set_keep_alive(true);
      while (!load.stop) load.record(client.Post("/interpreter", kRequest, "application/json"));
    });
  }
  // A client that handshakes anew for every request, so handshakes straddle every swap.
  clients.emplace_back([&] {
    while (!load.stop) {
      httplib::SSLClient client("127.0.0.1", port);
      configure(client, volume.ca_file());
      load.record(client.Post("/interpreter", kRequest, "application/json"));
    }
  });

  auto current = std::move(first);
  for (int rotation = 1; rotation <= 3; ++rotation) {
    INFO("rotation " << rotation);
    auto next = volume.issue();
    volume.publish(next);
    bool switched = false;
    for (int i = 0; i < 100 && !switched; ++i) {
      std::this_thread::sleep_for(100ms);
      auto seen = handshake_certificate(port, volume.ca_file());
      REQUIRE(seen);
      switched = X509_cmp(seen.get(), next.cert.get()) == 0;
      if (!switched) CHECK(X509_cmp(seen.get(), current.cert.get()) == 0);  // the old one until the swap
    }
    CHECK(switched);
    current = std::move(next);
  }

  // A broken pair (a key that is not the certificate's) keeps the last good certificate serving.
  auto orphan = volume.issue();
  auto other = volume.issue();
  volume.publish(orphan, &other);
  std::this_thread::sleep_for(3s);
  auto seen = handshake_certificate(port, volume.ca_file());
  REQUIRE(seen);
  CHECK(X509_cmp(seen.get(), current.cert.get()) == 0);

  load.stop = true;
  for (auto& t : clients) t.join();
  INFO(load.first_failure);
  CHECK(load.failed == 0);
  CHECK(load.ok > 20);

  httplib::SSLClient client("127.0.0.1", port);
  configure(client, volume.ca_file());
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK_THAT(metrics->body, Catch::Contains(R"(cell0_webhook_certificate_reloads_total{result="ok"} 3)"));
  CHECK_THAT(metrics->body, Catch::Contains(R"(cell0_webhook_certificate_reloads_total{result="error"} 1)"));
  const auto not_after =
      std::chrono::duration_cast<std::chrono::seconds>(cell0::certs::not_after(current.cert.get()).time_since_epoch())
          .count();
  CHECK_THAT(metrics->body,
             Catch::Contains("cell0_webhook_certificate_expiration_timestamp_seconds " + std::to_string(not_after)));
  CHECK(serve.stop() == 0);
  CHECK_THAT(serve.log(), Catch::Contains("serving certificate reloaded"));
}

TEST_CASE("serve warns at start when the certificate expires within 30 days", "[rotation]") {
  TempDir tmp;
  SecretVolume volume(tmp.path() / "tls");
  auto ca = cell0::certs::generate_ca();
  REQUIRE(ca.ok());
  auto soon = cell0::certs::issue_certificate(*ca, {.common_name = "localhost", .sans = {"localhost"}, .days = 10});
  REQUIRE(soon.ok());
  volume.publish(*soon);
  ServeProcess serve(tmp.path() / "serve.log",
                     {"--tls-cert", volume.cert().string(), "--tls-key", volume.key().string()});
  std::string why;
  REQUIRE(serve.wait_serving(20s, why));
  CHECK(serve.stop() == 0);
  CHECK(std::regex_search(serve.log(), std::regex(R"("level":"warning".*serving certificate expires in (9|10) days)")));
}
