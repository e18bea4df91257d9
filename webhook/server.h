// The HTTPS server: TLS 1.2+, optional client certificates, JSON POST endpoints with the body
// checks every webhook needs (size, content type, well-formed JSON), health, readiness and
// metrics. Routes are registered before run(); the interpreter and admission endpoints plug in
// through add_json_endpoint.
//
// Built on Boost.Asio, with Beast's HTTP/1.1 parser and OpenSSL driven directly on
// the non-blocking socket (no asio::ssl::stream: its four 17 KiB buffers per connection would
// make 1,000 idle connections cost 70 MiB).
//
// Threads: one event loop per core (ServerOptions::event_loops) does all the work of the
// connections it was given (TLS, parsing, the handler, writing), run by one thread at a time.
// A JSON handler runs inline on that thread: no hand-off to another thread and back, no context
// switch per request. When a handler is still running after a couple of milliseconds (a script
// may use its whole Lua budget), another thread takes the loop over and serves its other
// connections; the slow handler's thread answers through the loop, then waits to be given a loop
// again. At most ServerOptions::threads threads beyond one per loop, and as many Lua states.
// An idle keep-alive connection costs an SSL object with its buffers released and no thread.
//
// Deadlines per connection, checked by a sweep on each loop: TLS handshake + the first request's
// headers within header_timeout of the accept (a later request's headers within header_timeout
// of its first byte), the body within body_timeout, the answer written within write_timeout, the
// next request's first byte within keep_alive_timeout; no byte at all for read_timeout while
// headers or body are arriving. Every closed connection is counted by reason
// (connection_stats.h).
//
// Shutdown in two steps, as Kubernetes needs it: begin_drain() turns /readyz to 503 and makes
// every answer carry Connection: close while the server goes on accepting; stop() then closes
// the listener, lets requests in flight finish and closes idle connections after a short grace
// (a client may be writing a request on one at that moment).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "webhook/webhook_metrics.h"

namespace cell0::webhook {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8443;  // 0: any free port (see Server::port)
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::filesystem::path client_ca_file;  // set: clients must present a certificate it signed
  std::size_t threads = 0;               // slow handlers at once; 0: 4 x hardware concurrency, at least 16
  std::size_t event_loops = 0;           // socket threads; 0: one per core
  // Limits against slow, idle or hostile clients; serve_settings.h says why each default.
  std::chrono::milliseconds read_timeout{10000};         // no byte while headers or body arrive
  std::chrono::milliseconds write_timeout{10000};        // writing one answer
  std::chrono::milliseconds keep_alive_timeout{120000};  // idle between requests (clients: 90 s)
  std::chrono::milliseconds header_timeout{10000};       // handshake + headers, see above
  std::chrono::milliseconds body_timeout{30000};         // the whole body
  std::size_t max_header_bytes = 64u << 10;              // request bytes before the headers end
  std::size_t max_connections = 4096;                    // open connections; 0: no cap
  std::size_t keep_alive_max_requests = 1000;            // then the connection closes (nginx's default)
  std::size_t max_body_bytes = 3u << 20;                 // the apiserver's own request limit
  std::size_t max_json_depth = 512;                      // deeper bodies are refused before parsing
};

// Worker threads for ServerOptions::threads (0: the default).
std::size_t server_threads(std::size_t configured);

// What a JSON endpoint answers, plus the labels its request is counted under.
struct JsonReply {
  int http_status = 200;
  std::string body;
  std::string operation;
  std::string kind;
  std::string result = "ok";
  nlohmann::json log_fields = nlohmann::json::object();  // uid, name, ... for the access log
};

struct JsonEndpoint {
  std::function<JsonReply(const nlohmann::json& body)> handle;
  // The body sent when the request is refused before `handle` (too large, wrong type, bad JSON),
  // in the endpoint's own envelope so the caller can read the message.
  std::function<std::string(int http_status, const std::string& message)> error_body;
  // Body limit of this endpoint; 0 means ServerOptions::max_body_bytes.
  std::size_t max_body_bytes = 0;
};

struct Readiness {
  bool ready = false;
  nlohmann::json detail = nlohmann::json::object();
};

class Server {
 public:
  Server(ServerOptions options, WebhookMetrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Endpoints and the probe are set up before bind().
  void add_json_endpoint(const std::string& path, JsonEndpoint endpoint);
  // /readyz answers 200 when the probe says ready (and the server is not draining), else 503.
  void set_readiness_probe(std::function<Readiness()> probe);

  // Loads the certificate and key, sets up TLS and binds the socket.
  common::Result<common::Done> bind();
  int port() const;  // after bind()
  // Serves until stop(); returns once every connection has ended.
  void run();
  // Readiness 503 and Connection: close on every answer; still accepting. Any thread.
  void begin_drain();
  // Drains, closes the listener, finishes requests in flight, closes idle connections. Any
  // thread, any number of times; returns once the listener is closed.
  void stop();
  bool stopping() const;
  // Re-reads --tls-cert/--tls-key; the next handshakes use the new pair, and a broken pair keeps
  // the old one. CertReloader (cert_reloader.h) calls it when the files change.
  common::Result<common::Done> reload_certificates();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "host:port", "[v6]:port" or ":port" (all interfaces).
common::Result<std::pair<std::string, int>> parse_listen_address(const std::string& text);

}  // namespace cell0::webhook
