// Hostile HTTP clients against the in-process server (issue 8): slowloris headers and bodies,
// idle floods, bytes that are not TLS, handshakes that never end, huge or countless headers,
// truncated and oversized bodies, deep JSON, too many connections. Each case checks that the
// hostile client is refused or closed, and that a normal request on a fresh connection is
// answered afterwards (for slowloris and floods: while the hostile clients are still there).
// Raw sockets and OpenSSL on loopback; the server runs with short limits so the file takes
// a few seconds. Times are only checked against generous upper bounds.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <openssl/ssl.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "certs/state_dir.h"
#include "cli/serve_settings.h"
#include "tests/certs/temp_dir.h"
#include "tests/support/forked_serve.h"
#include "webhook/server.h"

using namespace cell0::webhook;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

using cell0::testing::free_port;

ServerOptions short_limits() {
  ServerOptions o;
  o.threads = 4;
  o.read_timeout = 3s;
  o.write_timeout = 3s;
  o.keep_alive_timeout = 2s;
  o.header_timeout = 600ms;
  o.body_timeout = 800ms;
  o.max_header_bytes = 64u << 10;
  o.max_connections = 64;
  return o;
}

JsonEndpoint echo_endpoint() {
  JsonEndpoint e;
  e.handle = [](const json& body) {
    JsonReply r;
    r.body = json{{"ok", true}, {"keys", body.is_object() ? body.size() : 0}}.dump();
    return r;
  };
  e.error_body = [](int status, const std::string& message) {
    return json{{"code", status}, {"message", message}}.dump();
  };
  return e;
}

class HostileServer {
 public:
  explicit HostileServer(ServerOptions o = short_limits()) : metrics_(registry_) {
    // No SIGPIPE handling here: Server::bind() must ignore it, or a reset client kills the process.
    auto paths = cell0::certs::ensure_state_dir_certs(dir_.path(), {"localhost", "127.0.0.1"});
    REQUIRE(paths.ok());
    o.port = 0;
    o.cert_file = paths->cert;
    o.key_file = paths->key;
    server_ = std::make_unique<Server>(o, metrics_);
    server_->add_json_endpoint("/interpreter", echo_endpoint());
    REQUIRE(server_->bind().ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  ~HostileServer() {
    server_->stop();
    thread_.join();
  }
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  int port() const { return server_->port(); }

  // A normal client on a fresh connection: POST /interpreter answered 200.
  bool normal_request_ok() const {
    httplib::SSLClient cli("127.0.0.1", port());
    cli.enable_server_certificate_verification(false);
    cli.set_connection_timeout(5s);
    cli.set_read_timeout(5s);
    cli.set_write_timeout(5s);
    auto res = cli.Post("/interpreter", R"({"a":1})", "application/json");
    return res && res->status == 200 && json::parse(res->body).value("ok", false);
  }

  double closed(const std::string& reason) {
    const std::string text = registry_.render();  // runs the collectors
    UNSCOPED_INFO(text.substr(text.find("cell0_webhook_connections_closed_total"), 900));
    return metrics_.connections_closed.value({reason});
  }

 private:
  cell0::testing::TempDir dir_;
  cell0::common::MetricsRegistry registry_;
  WebhookMetrics metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

bool healthz_ok(int port) {
  httplib::SSLClient cli("127.0.0.1", port);
  cli.enable_server_certificate_verification(false);
  cli.set_connection_timeout(2s);
  cli.set_read_timeout(2s);
  auto res = cli.Get("/healthz");
  return res && res->status == 200;
}

int connect_tcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool wait_readable(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
}

// A plain TCP connection that sends whatever it is told.
class Raw {
 public:
  explicit Raw(int port) : fd_(connect_tcp(port)) {}
  ~Raw() { ::close(fd_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  bool send(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  // True when the server closed the connection within `limit` (after any bytes it sent).
  bool closed_within(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    char buf[4096];
    while (Clock::now() < deadline) {
      if (!wait_readable(fd_, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()))) break;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
    return false;
  }

 private:
  int fd_;
};

SSL_CTX* client_ctx() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  return ctx;
}

struct Received {
  std::string data;
  bool closed = false;
  int status() const {
    if (data.rfind("HTTP/1.", 0) != 0 || data.size() < 12) return 0;
    return std::stoi(data.substr(9, 3));
  }
  std::string body() const {
    const auto end = data.find("\r\n\r\n");
    return end == std::string::npos ? "" : data.substr(end + 4);
  }
};

// A TLS connection driven by hand; non-blocking after the handshake, so that the session
// tickets a TLS 1.3 server sends after it are read without being taken for an answer.
class Tls {
 public:
  explicit Tls(int port) : fd_(connect_tcp(port)), ssl_(SSL_new(client_ctx())) {
    SSL_set_fd(ssl_, fd_);
    handshake_ok_ = SSL_connect(ssl_) == 1;
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~Tls() {
    SSL_free(ssl_);
    ::close(fd_);
  }
  Tls(const Tls&) = delete;
  Tls& operator=(const Tls&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  bool send(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const int chunk = static_cast<int>(std::min<std::size_t>(data.size() - done, 16384));
      const int n = SSL_write(ssl_, data.data() + done, chunk);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      const int err = SSL_get_error(ssl_, n);
      if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) return false;
      pollfd p{fd_, static_cast<short>(err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
      if (::poll(&p, 1, 5000) <= 0) return false;
    }
    return true;
  }
  // Up to `limit` for some application data: >0 bytes read, 0 nothing yet, -1 closed.
  int read_some(std::string& out, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    char buf[16384];
    for (;;) {
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        return n;
      }
      if (SSL_get_error(ssl_, n) != SSL_ERROR_WANT_READ) return -1;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0 || !wait_readable(fd_, left)) return 0;
    }
  }
  // Reads until the server closes the connection or `limit` passes.
  Received read_until_closed(std::chrono::milliseconds limit) {
    Received r;
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      const int n = read_some(r.data, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (n < 0) {
        r.closed = true;
        break;
      }
    }
    return r;
  }
  // Reads one response with a Content-Length body.
  Received read_response(std::chrono::milliseconds limit) {
    Received r;
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      const auto end = r.data.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto cl = r.data.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(r.data.substr(cl + 16));
        if (r.data.size() >= end + 4 + length) break;
      }
      const int n = read_some(r.data, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (n < 0) {
        r.closed = true;
        break;
      }
    }
    return r;
  }

 private:
  int fd_;
  SSL* ssl_;
  bool handshake_ok_ = false;
};

// Sends `data` one byte every `gap` on its own thread until the server answers or closes.
class Trickle {
 public:
  Trickle(std::unique_ptr<Tls> conn, std::string data, std::chrono::milliseconds gap)
      : conn_(std::move(conn)), started_(Clock::now()) {
    thread_ = std::thread([this, data = std::move(data), gap] {
      std::string answer;
      for (char c : data) {
        if (stop_) return;
        const int n = conn_->read_some(answer, gap);
        if (n != 0) {  // an answer (a 4xx) or the end: read until the server closes
          closed_ = n < 0 || conn_->read_until_closed(5s).closed;
          break;
        }
        if (!conn_->send(std::string(1, c))) {
          closed_ = true;
          break;
        }
      }
      closed_after_ = Clock::now() - started_;
    });
  }
  ~Trickle() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  Trickle(const Trickle&) = delete;
  Trickle& operator=(const Trickle&) = delete;
  // Waits for the thread; true when the server closed the connection.
  bool closed_by_server() {
    if (thread_.joinable()) thread_.join();
    return closed_;
  }
  Clock::duration closed_after() const { return closed_after_; }

 private:
  std::unique_ptr<Tls> conn_;
  Clock::time_point started_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> closed_{false};
  Clock::duration closed_after_{};
  std::thread thread_;
};

std::string slow_headers() {
  std::string h = "POST /interpreter HTTP/1.1\r\nHost: localhost\r\n";
  for (int i = 0; i < 200; ++i) h += "X-Slow: " + std::to_string(i) + "\r\n";  // ~30 s at one byte per 10 ms
  return h;
}

std::string post(const std::string& body, const std::string& extra = "") {
  return "POST /interpreter HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

}  // namespace

TEST_CASE("slowloris headers: each connection is closed at the header deadline; others are served meanwhile",
          "[hostile_http]") {
  HostileServer server;
  std::vector<std::unique_ptr<Trickle>> hostile;
  for (int i = 0; i < 4; ++i) {  // as many as there are workers
    auto conn = std::make_unique<Tls>(server.port());
    REQUIRE(conn->handshake_ok());
    hostile.push_back(std::make_unique<Trickle>(std::move(conn), slow_headers(), 10ms));
  }
  std::this_thread::sleep_for(200ms);
  CHECK(server.normal_request_ok());  // served while the trickles go on
  for (auto& h : hostile) {
    CHECK(h->closed_by_server());
    CHECK(h->closed_after() < 10s);  // unguarded, each would trickle for ~30 s
  }
  CHECK(server.closed("header_timeout") >= 4);
  CHECK(server.normal_request_ok());
}

TEST_CASE("slow body: the connection is closed at the body deadline", "[hostile_http]") {
  HostileServer server;
  std::vector<std::unique_ptr<Trickle>> hostile;
  for (int i = 0; i < 4; ++i) {
    auto conn = std::make_unique<Tls>(server.port());
    REQUIRE(conn->handshake_ok());
    const std::string body = "{\"a\":\"" + std::string(3000, 'x') + "\"}";
    const std::string request = post(body);
    REQUIRE(conn->send(request.substr(0, request.size() - body.size())));  // headers at once
    hostile.push_back(std::make_unique<Trickle>(std::move(conn), body, 10ms));
  }
  std::this_thread::sleep_for(200ms);
  CHECK(server.normal_request_ok());
  for (auto& h : hostile) {
    CHECK(h->closed_by_server());
    CHECK(h->closed_after() < 10s);
  }
  CHECK(server.closed("body_timeout") >= 4);
  CHECK(server.normal_request_ok());
}

TEST_CASE("idle flood: idle connections hold no worker; requests are served and the idle ones kept", "[hostile_http]") {
  ServerOptions o = short_limits();
  o.header_timeout = 20s;  // so that no idle connection is closed during the test
  o.keep_alive_timeout = 20s;
  HostileServer server(o);
  // 12 x the 4 workers: keep-alive connections after a request, TLS connections that never send
  // a request, and TCP connections that never start TLS. None holds a thread while it waits.
  std::vector<std::unique_ptr<Tls>> kept;
  for (int i = 0; i < 16; ++i) {
    kept.push_back(std::make_unique<Tls>(server.port()));
    REQUIRE(kept.back()->handshake_ok());
    REQUIRE(kept.back()->send(post("{}")));
    REQUIRE(kept.back()->read_response(5s).status() == 200);
  }
  std::vector<std::unique_ptr<Tls>> silent_tls;
  for (int i = 0; i < 16; ++i) silent_tls.push_back(std::make_unique<Tls>(server.port()));
  std::vector<std::unique_ptr<Raw>> silent_tcp;
  for (int i = 0; i < 16; ++i) silent_tcp.push_back(std::make_unique<Raw>(server.port()));

  const auto start = Clock::now();
  CHECK(server.normal_request_ok());
  CHECK(server.normal_request_ok());
  CHECK(Clock::now() - start < 10s);  // the idle connections' own limits are 20 s
  // The kept connections still serve their next request.
  for (auto& k : kept) {
    REQUIRE(k->send(post("{}")));
    CHECK(k->read_response(5s).status() == 200);
  }
  CHECK(server.closed("header_timeout") == 0);
  CHECK(server.closed("idle_timeout") == 0);
}

TEST_CASE("max connections: connections over the cap are closed at once", "[hostile_http]") {
  ServerOptions o = short_limits();
  o.threads = 2;
  o.max_connections = 4;
  o.header_timeout = 20s;
  HostileServer server(o);
  // Four connections open: two in the middle of their headers, two in their handshakes.
  std::vector<std::unique_ptr<Trickle>> hostile;
  for (int i = 0; i < 2; ++i) {
    auto conn = std::make_unique<Tls>(server.port());
    REQUIRE(conn->handshake_ok());
    hostile.push_back(std::make_unique<Trickle>(std::move(conn), slow_headers(), 20ms));
  }
  std::vector<std::unique_ptr<Raw>> waiting;
  for (int i = 0; i < 2; ++i) {
    waiting.push_back(std::make_unique<Raw>(server.port()));
    // A ClientHello record header and a little of its body: a handshake under way, not idle.
    REQUIRE(waiting.back()->send(std::string("\x16\x03\x01\x00\x40\x01\x00", 7)));
  }
  std::this_thread::sleep_for(300ms);
  Raw over(server.port());
  CHECK(over.closed_within(5s));
  CHECK(server.closed("max_connections") >= 1);
  hostile.clear();
  waiting.clear();
  // Once the hostile connections are gone there is room again.
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = server.normal_request_ok();
    if (!served) std::this_thread::sleep_for(100ms);
  }
  CHECK(served);
}

TEST_CASE("bytes that are not TLS: the connection is closed", "[hostile_http]") {
  HostileServer server;
  SECTION("plain HTTP") {
    Raw raw(server.port());
    REQUIRE(raw.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    CHECK(raw.closed_within(5s));
  }
  SECTION("random garbage") {
    std::mt19937 rng(8);
    std::string garbage(64 << 10, '\0');
    for (auto& c : garbage) c = static_cast<char>(rng());
    Raw raw(server.port());
    raw.send(garbage);  // the server may close before it is all sent
    CHECK(raw.closed_within(5s));
  }
  SECTION("a TLS record header announcing garbage") {
    Raw raw(server.port());
    REQUIRE(raw.send(std::string("\x16\x03\x01\x40\x00", 5) + std::string(16384, 'A')));
    CHECK(raw.closed_within(5s));
  }
  CHECK(server.normal_request_ok());
}

TEST_CASE("a TLS handshake that never finishes is closed at the header deadline", "[hostile_http]") {
  HostileServer server;
  Raw silent(server.port());
  Raw partial(server.port());
  REQUIRE(partial.send("\x16\x03\x01"));
  CHECK(silent.closed_within(5s));
  CHECK(partial.closed_within(5s));
  CHECK(server.closed("header_timeout") >= 2);
  CHECK(server.normal_request_ok());
}

TEST_CASE("HTTP/1.0: answered, and the connection closed unless keep-alive is asked", "[hostile_http]") {
  HostileServer server;
  SECTION("without keep-alive") {
    Tls conn(server.port());
    REQUIRE(conn.handshake_ok());
    REQUIRE(conn.send("GET /healthz HTTP/1.0\r\n\r\n"));
    const Received r = conn.read_until_closed(5s);
    CHECK(r.status() == 200);
    CHECK(r.body() == "ok\n");
    CHECK(r.data.find("\r\nConnection: close\r\n") != std::string::npos);
    CHECK(r.closed);
  }
  SECTION("POST without keep-alive") {
    Tls conn(server.port());
    REQUIRE(conn.handshake_ok());
    REQUIRE(conn.send("POST /interpreter HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
    const Received r = conn.read_until_closed(5s);
    CHECK(r.status() == 200);
    CHECK(json::parse(r.body()).value("ok", false));
    CHECK(r.closed);
  }
  SECTION("with keep-alive") {
    Tls conn(server.port());
    REQUIRE(conn.handshake_ok());
    for (int i = 0; i < 2; ++i) {
      REQUIRE(conn.send("GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
      const Received r = conn.read_response(5s);
      CHECK(r.status() == 200);
      CHECK(r.data.find("\r\nConnection: keep-alive\r\n") != std::string::npos);
      CHECK_FALSE(r.closed);
    }
  }
  CHECK(server.normal_request_ok());
}

TEST_CASE("a huge header line or URI gets a 4xx or a close", "[hostile_http]") {
  HostileServer server;
  Tls conn(server.port());
  REQUIRE(conn.handshake_ok());
  SECTION("header line") {
    conn.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(40000, 'b') + "\r\n\r\n");
  }
  SECTION("URI") { conn.send("GET /healthz?" + std::string(40000, 'u') + " HTTP/1.1\r\nHost: localhost\r\n\r\n"); }
  const Received r = conn.read_until_closed(5s);
  CHECK((r.closed || (r.status() >= 400 && r.status() < 500)));
  CHECK(r.status() != 200);
  CHECK(server.normal_request_ok());
}

TEST_CASE("millions of header lines: closed after max_header_bytes", "[hostile_http]") {
  HostileServer server;
  Tls conn(server.port());
  REQUIRE(conn.handshake_ok());
  REQUIRE(conn.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n"));
  std::string lines;
  for (int i = 0; i < 10000; ++i) lines += "a: b\r\n";
  bool refused = false;
  for (int i = 0; i < 300 && !refused; ++i) {  // 3 x 10^6 lines, 18 MB, unless the server stops reading
    std::string answer;
    refused = !conn.send(lines) || conn.read_some(answer, 0ms) != 0;
  }
  CHECK(refused);
  const Received r = conn.read_until_closed(5s);
  CHECK(r.status() != 200);
  CHECK(server.closed("header_too_large") >= 1);
  CHECK(server.normal_request_ok());
}

TEST_CASE("a truncated body: the request fails, the server goes on", "[hostile_http]") {
  HostileServer server;
  SECTION("client closes") {
    {
      Tls conn(server.port());
      REQUIRE(conn.handshake_ok());
      const std::string request = post("{\"a\":\"" + std::string(1000, 'x') + "\"}");
      REQUIRE(conn.send(request.substr(0, request.size() - 900)));
    }
    CHECK(server.normal_request_ok());
  }
  SECTION("client stalls") {
    Tls conn(server.port());
    REQUIRE(conn.handshake_ok());
    const std::string request = post("{\"a\":\"" + std::string(1000, 'x') + "\"}");
    REQUIRE(conn.send(request.substr(0, request.size() - 900)));
    const Received r = conn.read_until_closed(5s);
    CHECK(r.closed);
    CHECK(r.status() != 200);
    CHECK(server.closed("body_timeout") >= 1);
  }
  CHECK(server.normal_request_ok());
}

TEST_CASE("a 4 MiB body on /interpreter gets 413 with a JSON error", "[hostile_http]") {
  HostileServer server;
  Tls conn(server.port());
  REQUIRE(conn.handshake_ok());
  const std::string body = "{\"a\":\"" + std::string(4u << 20, 'x') + "\"}";
  conn.send(post(body));  // the server may stop reading once it has seen enough
  const Received r = conn.read_response(5s);
  CHECK(r.status() == 413);
  const json error = json::parse(r.body(), nullptr, false);
  CHECK(error.value("code", 0) == 413);
  CHECK(error.value("message", "").find("larger than") != std::string::npos);
  CHECK(server.normal_request_ok());
}

TEST_CASE("a 200,000-deep JSON array gets 400", "[hostile_http]") {
  HostileServer server;
  Tls conn(server.port());
  REQUIRE(conn.handshake_ok());
  REQUIRE(conn.send(post(std::string(200000, '[') + std::string(200000, ']'))));
  const Received r = conn.read_response(5s);
  CHECK(r.status() == 400);
  CHECK(json::parse(r.body(), nullptr, false).value("message", "").find("nested deeper") != std::string::npos);
  CHECK(server.normal_request_ok());
}

TEST_CASE("a client that resets its connection mid-response does not stop the server", "[hostile_http]") {
  HostileServer server;
  for (int i = 0; i < 20; ++i) {
    Tls conn(server.port());
    REQUIRE(conn.handshake_ok());
    REQUIRE(conn.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    // Closing with unread data makes the kernel answer the server's writes with a reset.
  }
  CHECK(server.normal_request_ok());
}

TEST_CASE("serve: the limit flags reach the server", "[hostile_http][serve]") {
  cell0::testing::TempDir tmp;
  const int port = free_port();
  cell0::cli::ServeSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(port);
  settings.state_dir = (tmp.path() / "state").string();
  settings.threads = 2;
  settings.header_timeout = "500ms";
  settings.max_request_bytes = "1Ki";
  settings.shutdown_grace = "2s";
  auto config = cell0::cli::resolve_settings(settings);
  REQUIRE(config.ok());
  const auto log_level = spdlog::get_level();
  spdlog::set_level(spdlog::level::err);  // the child inherits it
  cell0::testing::ForkedServe serve(*config);
  spdlog::set_level(log_level);
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(50ms);
    up = healthz_ok(port);
  }
  REQUIRE(up);

  Raw silent(port);
  CHECK(silent.closed_within(5s));  // --header-timeout, not the 10 s default read timeout
  Tls conn(port);
  REQUIRE(conn.handshake_ok());
  REQUIRE(conn.send(post("{\"a\":\"" + std::string(2048, 'x') + "\"}")));
  CHECK(conn.read_response(5s).status() == 413);  // --max-request-bytes
  CHECK(healthz_ok(port));
  CHECK(serve.terminate(10s).has_value());
}
