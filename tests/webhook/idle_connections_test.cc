// 1,000 idle keep-alive TLS connections (issue 15): a forked `serve` with its default flags keeps
// them all open (the idle timeout is 120 s, longer than the 90 s apiservers keep theirs), its RSS
// stays under 64 MiB with them, and requests on new and on idle connections are still answered.
// Not timed: the handshakes take a second or two; the RSS bound is what is checked.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include "cli/serve_settings.h"
#include "tests/certs/temp_dir.h"
#include "tests/support/forked_serve.h"
#include "tests/support/sanitizer.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kIdle = 1000;

// A blocking TLS client connection that sends GET /healthz with keep-alive.
class Conn {
 public:
  Conn(SSL_CTX* ctx, int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), ssl_(SSL_new(ctx)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    SSL_set_fd(ssl_, fd_);
    ok_ = ok_ && SSL_connect(ssl_) == 1;
  }
  ~Conn() {
    SSL_free(ssl_);
    ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // One request; true on "HTTP/1.1 200" with the whole "ok\n" body.
  bool healthz() {
    if (!ok_) return false;
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) return false;
    std::string answer;
    char buf[4096];
    while (answer.find("\r\n\r\nok\n") == std::string::npos) {
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return false;
      answer.append(buf, static_cast<std::size_t>(n));
    }
    return answer.rfind("HTTP/1.1 200", 0) == 0;
  }

 private:
  int fd_;
  SSL* ssl_;
  bool ok_ = false;
};

}  // namespace

TEST_CASE("1,000 idle keep-alive TLS connections: RSS under 64 MiB, others still served", "[idle][serve][https]") {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  REQUIRE(limit.rlim_cur >= kIdle + 100);  // 1,000 client sockets in this process

  cell0::testing::TempDir tmp;
  const int port = cell0::testing::free_port();
  cell0::cli::ServeSettings settings;  // the defaults, but for where to listen and keep state
  settings.listen = "127.0.0.1:" + std::to_string(port);
  settings.state_dir = (tmp.path() / "state").string();
  auto config = cell0::cli::resolve_settings(settings);
  REQUIRE(config.ok());
  auto serve_ptr = cell0::testing::quiet_serve(*config);
  auto& serve = *serve_ptr;
  const fs::path ca = tmp.path() / "state" / "ca.crt";
  auto fresh_client = [&] {
    httplib::SSLClient cli("127.0.0.1", port);
    cli.set_ca_cert_path(ca.c_str());
    cli.enable_server_certificate_verification(true);
    cli.set_connection_timeout(5s);
    cli.set_read_timeout(10s);
    auto res = cli.Get("/healthz");
    return res && res->status == 200;
  };
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    std::this_thread::sleep_for(50ms);
    up = fs::exists(ca) && fresh_client();
  }
  REQUIRE(up);
  const long rss_before = cell0::testing::rss_kib(serve.pid());

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  std::vector<std::unique_ptr<Conn>> idle;
  int served = 0;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<Conn>(ctx, port));
    served += idle.back()->healthz() ? 1 : 0;
  }
  CHECK(served == kIdle);
  std::this_thread::sleep_for(300ms);  // every connection back to idle, buffers released
  const long rss_idle = cell0::testing::rss_kib(serve.pid());

  CHECK(fresh_client());
  int idle_served = 0;
  for (int i = 0; i < kIdle; i += 100) idle_served += idle[i]->healthz() ? 1 : 0;
  CHECK(idle_served == kIdle / 100);
  std::printf("idle connections: serve RSS %ld KiB before, %ld KiB with %d idle TLS connections (%.1f KiB each)\n",
              rss_before, rss_idle, kIdle, static_cast<double>(rss_idle - rss_before) / kIdle);
  CHECK(rss_idle > 0);
  if (!cell0::testing::kAddressSanitizer) CHECK(rss_idle <= 64 * 1024);
  idle.clear();
  SSL_CTX_free(ctx);
  CHECK(serve.terminate(20s).has_value());
}
