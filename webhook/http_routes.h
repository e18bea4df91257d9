// What the HTTPS server answers, apart from the sockets: the JSON endpoints with the body checks
// every webhook needs (size, content type, JSON depth, well-formed JSON), /healthz, /readyz,
// /metrics, and the JSON error bodies of 404/405/413/... No Asio or Beast here.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "webhook/server.h"

namespace cell0::webhook {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class HttpRoutes {
 public:
  HttpRoutes(const ServerOptions& options, WebhookMetrics& metrics, const std::atomic<bool>& draining)
      : options_(options), metrics_(metrics), draining_(draining) {}

  void add_json_endpoint(const std::string& path, JsonEndpoint endpoint) { endpoints_[path] = std::move(endpoint); }
  void set_readiness_probe(std::function<Readiness()> probe) { readiness_ = std::move(probe); }

  // The JSON endpoint at `path` (no query), or null.
  const JsonEndpoint* json_endpoint(const std::string& path) const;
  std::size_t body_limit(const JsonEndpoint& endpoint) const;
  std::size_t largest_body_limit() const;

  // A POST to a JSON endpoint, body complete. May run long: called on a worker thread.
  HttpAnswer handle_json(const std::string& path, const JsonEndpoint& endpoint, const std::string& content_type,
                         const std::string& body, const std::string& remote) const;
  // Anything else (GET /healthz, /readyz, /metrics, unknown paths, wrong methods); quick.
  HttpAnswer handle_other(const std::string& method, const std::string& path) const;
  // A request refused before its endpoint ran (400, 413, 414, 431, ...), counted like one.
  HttpAnswer refuse(const std::string& path, int status, const std::string& message) const;

 private:
  void count(const std::string& endpoint, const std::string& operation, const std::string& kind,
             const std::string& result, std::chrono::steady_clock::time_point start) const;
  std::string error_body(const std::string& path, int status, const std::string& message) const;

  const ServerOptions& options_;
  WebhookMetrics& metrics_;
  const std::atomic<bool>& draining_;
  std::map<std::string, JsonEndpoint> endpoints_;
  std::function<Readiness()> readiness_;
};

}  // namespace cell0::webhook
