#include "webhook/server.h"

#include "common/json_depth.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "certs/generate.h"
#include "webhook/connection_guard.h"
#include "common/log.h"
#include "webhook/tls_credentials.h"

namespace cell0::webhook {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kJson = "application/json";

bool is_json_media_type(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  media.erase(std::remove_if(media.begin(), media.end(), [](unsigned char c) { return std::isspace(c) != 0; }),
              media.end());
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  return media == kJson;
}

std::string plain_error_body(int status, const std::string& message) {
  return json{{"code", status}, {"message", message}}.dump();
}

std::string status_message(int status, const std::string& path, std::size_t max_body) {
  switch (status) {
    case 404:
      return "no such endpoint: " + path;
    case 405:
      return "method not allowed on " + path;
    case 413:
      return fmt::format("request body larger than {} bytes", max_body);
    default:
      return fmt::format("cannot handle the request (HTTP {})", status);
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, WebhookMetrics& m)
      : options(std::move(o)), metrics(m), credentials(options.cert_file, options.key_file) {}

  ServerOptions options;
  WebhookMetrics& metrics;
  TlsCredentials credentials;
  std::unique_ptr<ConnectionGuard> guard;  // made in bind(); outlives http, whose SSL_CTX points to it
  std::map<std::string, JsonEndpoint> endpoints;
  std::function<Readiness()> readiness;
  std::unique_ptr<httplib::SSLServer> http;
  int bound_port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<bool> run_started{false};
  std::atomic<bool> run_finished{false};

  bool setup_tls(SSL_CTX& ctx, std::string& error);
  void route_json(const std::string& path, const JsonEndpoint& endpoint, const httplib::Request& req,
                  httplib::Response& res, const httplib::ContentReader& read);
  void count(const std::string& endpoint, const std::string& operation, const std::string& kind,
             const std::string& result, Clock::time_point start);
  void install_routes();
};

bool Server::Impl::setup_tls(SSL_CTX& ctx, std::string& error) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Resumption spares a reconnecting apiserver a full handshake, but OpenSSL's default cache holds
  // 20,480 sessions, which a client opening fresh connections grows by ~4 KiB each; a few apiservers
  // need far fewer.
  SSL_CTX_sess_set_cache_size(&ctx, 1024);
  credentials.install(&ctx);
  // Draining: a new connection fails its TLS handshake, before the client sends any request
  // (httplib would otherwise close a connection accepted just before the listener, after the
  // client had written its request on it).
  SSL_CTX_set_client_hello_cb(
      &ctx,
      [](SSL*, int* alert, void* self) {
        if (!static_cast<Impl*>(self)->stopping) return SSL_CLIENT_HELLO_SUCCESS;
        *alert = SSL_AD_HANDSHAKE_FAILURE;
        return SSL_CLIENT_HELLO_ERROR;
      },
      this);
  guard->install(&ctx);
  if (options.client_ca_file.empty()) return true;
  const std::string ca = options.client_ca_file.string();
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
  if (SSL_CTX_load_verify_locations(&ctx, ca.c_str(), nullptr) != 1 || names == nullptr) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    error = "cannot load client CA " + ca + ": " + certs::openssl_error_text();
    return false;
  }
  SSL_CTX_set_client_CA_list(&ctx, names);
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return true;
}

void Server::Impl::count(const std::string& endpoint, const std::string& operation, const std::string& kind,
                         const std::string& result, Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  metrics.requests.inc({endpoint, operation, kind, result});
  metrics.latency.observe({endpoint, operation, kind, result}, seconds);
}

void Server::Impl::route_json(const std::string& path, const JsonEndpoint& endpoint, const httplib::Request& req,
                              httplib::Response& res, const httplib::ContentReader& read) {
  const auto start = Clock::now();
  metrics.in_flight.add({}, 1);
  struct InFlight {
    common::Gauge& gauge;
    ~InFlight() { gauge.add({}, -1); }
  } in_flight{metrics.in_flight};

  auto refuse = [&](int status, const std::string& result, const std::string& message) {
    res.status = status;
    res.set_content(endpoint.error_body(status, message), kJson);
    count(path, "", "", result, start);
    common::log_event(spdlog::level::warn, "request refused",
              {{"endpoint", path}, {"status", status}, {"error", message}, {"remote", req.remote_addr}});
  };

  // Read the body first, even when it will be refused, so the connection stays in sync.
  const std::size_t max_body = endpoint.max_body_bytes != 0 ? endpoint.max_body_bytes : options.max_body_bytes;
  std::string body;
  bool too_large = false;
  const bool complete = read([&](const char* data, std::size_t n) {
    if (body.size() + n > max_body) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  guard->body_finished();
  if (too_large || res.status == 413) {
    res.set_header("Connection", "close");
    return refuse(413, "too_large", status_message(413, path, max_body));
  }
  if (!complete) {
    res.set_header("Connection", "close");
    return refuse(400, "bad_request", "incomplete request body");
  }
  const std::string content_type = req.get_header_value("Content-Type");
  if (!is_json_media_type(content_type)) {
    return refuse(415, "bad_content_type",
                  fmt::format("Content-Type \"{}\" is not supported: expected application/json", content_type));
  }
  if (common::json_nesting_depth(body, options.max_json_depth) > options.max_json_depth) {
    return refuse(400, "malformed",
                  fmt::format("JSON nested deeper than {} levels", options.max_json_depth));
  }
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::parse_error& e) {
    return refuse(400, "malformed", std::string("malformed JSON: ") + e.what());
  }
  common::log_event(spdlog::level::debug, "request body", {{"endpoint", path}, {"body", body}});

  JsonReply reply;
  try {
    reply = endpoint.handle(parsed);
  } catch (const std::exception& e) {
    return refuse(500, "internal_error", std::string("internal error: ") + e.what());
  }
  res.status = reply.http_status;
  res.set_content(reply.body, kJson);
  count(path, reply.operation, reply.kind, reply.result, start);

  json fields = reply.log_fields;
  fields["endpoint"] = path;
  fields["operation"] = reply.operation;
  fields["kind"] = reply.kind;
  fields["result"] = reply.result;
  fields["status"] = reply.http_status;
  fields["durationMs"] = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  common::log_event(reply.result == "ok" ? spdlog::level::info : spdlog::level::warn, "request", fields);
  common::log_event(spdlog::level::debug, "response body", {{"endpoint", path}, {"body", reply.body}});
}

void Server::Impl::install_routes() {
  for (const auto& [path, endpoint] : endpoints) {
    http->Post(path, [this, path = path, &endpoint = endpoint](const httplib::Request& req, httplib::Response& res,
                                                               const httplib::ContentReader& read) {
      route_json(path, endpoint, req, res, read);
    });
  }
  http->Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  http->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    Readiness r = readiness ? readiness() : Readiness{true, json::object()};
    if (stopping) {
      r.ready = false;
      r.detail["reason"] = "shutting down";
    }
    json body = r.detail.is_object() ? r.detail : json::object();
    body["ready"] = r.ready;
    res.status = r.ready ? 200 : 503;
    res.set_content(body.dump(), kJson);
  });
  http->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.registry.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  // Every error answer gets a JSON body, in the endpoint's envelope when the path is known.
  httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string message = status_message(res.status, req.path, options.max_body_bytes);
    auto it = endpoints.find(req.path);
    res.set_content(it != endpoints.end() ? it->second.error_body(res.status, message)
                                          : plain_error_body(res.status, message),
                    kJson);
    return httplib::Server::HandlerResponse::Handled;
  };
  http->set_error_handler(std::move(on_error));
  http->set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
    guard->request_started();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Runs before the response is written; the read side is all close_idle() touches.
  http->set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    guard->request_finished();
    // Draining: the worker closes this connection after the answer, so tell the client not to
    // send another request on it (it reconnects, and is refused once the listener is gone).
    if (stopping) res.set_header("Connection", "close");
    // httplib closes an HTTP/1.0 connection unless the request says exactly "Keep-Alive", but
    // does not say so in the response; an HTTP/1.0 client needs to be told either way.
    if (req.version == "HTTP/1.0" && !res.has_header("Connection")) {
      res.set_header("Connection", req.get_header_value("Connection") == "Keep-Alive" ? "keep-alive" : "close");
    }
  });
  http->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(plain_error_body(500, "internal error"), kJson);
  });
}

Server::Server(ServerOptions options, WebhookMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)) {}

Server::~Server() { stop(); }

void Server::add_json_endpoint(const std::string& path, JsonEndpoint endpoint) {
  impl_->endpoints[path] = std::move(endpoint);
}

void Server::set_readiness_probe(std::function<Readiness()> probe) { impl_->readiness = std::move(probe); }

certs::Result<certs::Done> Server::bind() {
  auto& d = *impl_;
  if (auto loaded = d.credentials.reload(); !loaded) return loaded.error();
  // A client that resets its connection must not kill the server: OpenSSL writes to sockets
  // with write(2), which raises SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  const std::size_t threads = server_threads(d.options.threads);
  ConnectionGuardOptions guard_options;
  guard_options.workers = threads;
  guard_options.max_connections = d.options.max_connections;
  guard_options.header_timeout = d.options.header_timeout;
  guard_options.body_timeout = d.options.body_timeout;
  guard_options.idle_timeout = d.options.keep_alive_timeout;
  guard_options.max_header_bytes = d.options.max_header_bytes;
  d.guard = std::make_unique<ConnectionGuard>(guard_options);
  collect_guard_stats(d.metrics, d.guard->counters());
  std::string tls_error;
  d.http = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) { return d.setup_tls(ctx, tls_error); });
  if (!d.http->is_valid()) return certs::Error{tls_error.empty() ? "cannot set up TLS" : tls_error};

  d.http->new_task_queue = [guard = d.guard.get()] { return guard->new_task_queue(); };
  d.http->set_read_timeout(d.options.read_timeout);
  d.http->set_write_timeout(d.options.write_timeout);
  // httplib counts the keep-alive wait in whole seconds.
  const auto idle_seconds = std::chrono::ceil<std::chrono::seconds>(d.options.keep_alive_timeout);
  d.http->set_keep_alive_timeout(std::max<std::chrono::seconds::rep>(1, idle_seconds.count()));
  d.http->set_keep_alive_max_count(d.options.keep_alive_max_requests);
  std::size_t payload_limit = d.options.max_body_bytes;
  for (const auto& [path, endpoint] : d.endpoints) payload_limit = std::max(payload_limit, endpoint.max_body_bytes);
  d.http->set_payload_max_length(payload_limit);
  // Headers and body go out in separate writes; without this, Nagle + delayed ACK add ~40 ms.
  d.http->set_tcp_nodelay(true);
  d.install_routes();

  if (d.options.port == 0) {
    d.bound_port = d.http->bind_to_any_port(d.options.host);
  } else if (d.http->bind_to_port(d.options.host, d.options.port)) {
    d.bound_port = d.options.port;
  } else {
    d.bound_port = -1;
  }
  if (d.bound_port <= 0) {
    return certs::Error{fmt::format("cannot listen on {}:{}: {}", d.options.host, d.options.port, std::strerror(errno))};
  }
  return certs::Done{};
}

int Server::port() const { return impl_->bound_port; }

std::size_t server_threads(std::size_t configured) {
  // Workers mostly wait on sockets; the guard sheds idle connections when all are busy.
  return configured > 0 ? configured : std::max<std::size_t>(16, 4 * std::thread::hardware_concurrency());
}

void Server::run() {
  auto& d = *impl_;
  // Publish run_started before looking at stopping, and stop() does the reverse: one of the two
  // sees the other, so a stop() racing with run() is never lost.
  d.run_started = true;
  if (!d.stopping && d.http) d.http->listen_after_bind();
  d.run_finished = true;
}

void Server::stop() {
  auto& d = *impl_;
  const bool first = !d.stopping.exchange(true);
  if (!d.http) return;
  if (d.run_started) {
    while (!d.run_finished && !d.http->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Waits up to `limit` for the open connections to end.
  auto drain = [&d](std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (d.guard->open_connections() > 0 && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  // From now on every answer carries Connection: close and new handshakes fail. Connections in
  // the middle of a handshake get a moment to send their request before the listener goes:
  // once it has, httplib ends each connection after its current request.
  if (first) drain(std::chrono::milliseconds(200));
  d.http->stop();
  // A worker waiting on an idle keep-alive connection still answers the next request on it;
  // closing the idle ones at once would drop a request a client is sending at that moment.
  // Idle connections would otherwise hold run() for their keep-alive timeout.
  if (first) drain(std::chrono::milliseconds(500));
  d.guard->close_idle();
}

bool Server::stopping() const { return impl_->stopping; }

certs::Result<certs::Done> Server::reload_certificates() { return impl_->credentials.reload(); }

certs::Result<std::pair<std::string, int>> parse_listen_address(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return certs::Error{"invalid listen address \"" + text + "\": expected [IPv6]:PORT"};
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return certs::Error{"invalid listen address \"" + text + "\": expected HOST:PORT"};
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return certs::Error{"invalid listen address \"" + text + "\": write IPv6 hosts as [addr]:port"};
    }
  }
  if (host.empty()) host = "0.0.0.0";
  int value = -1;
  const bool digits = !port.empty() && port.size() <= 5 &&
                      std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  if (digits) value = std::stoi(port);
  if (value < 0 || value > 65535) return certs::Error{"invalid port in listen address \"" + text + "\""};
  return std::pair{host, value};
}

}  // namespace cell0::webhook
