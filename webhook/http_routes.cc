#include "webhook/http_routes.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/json_depth.h"
#include "common/log.h"

namespace cell0::webhook {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool is_json_media_type(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  media.erase(std::remove_if(media.begin(), media.end(), [](unsigned char c) { return std::isspace(c) != 0; }),
              media.end());
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  return media == "application/json";
}

std::string result_of(int status) {
  switch (status) {
    case 413:
      return "too_large";
    case 400:
      return "bad_request";
    default:
      return fmt::format("http_{}", status);
  }
}

}  // namespace

const JsonEndpoint* HttpRoutes::json_endpoint(const std::string& path) const {
  auto it = endpoints_.find(path);
  return it == endpoints_.end() ? nullptr : &it->second;
}

std::size_t HttpRoutes::body_limit(const JsonEndpoint& endpoint) const {
  return endpoint.max_body_bytes != 0 ? endpoint.max_body_bytes : options_.max_body_bytes;
}

std::size_t HttpRoutes::largest_body_limit() const {
  std::size_t limit = options_.max_body_bytes;
  for (const auto& [path, endpoint] : endpoints_) limit = std::max(limit, body_limit(endpoint));
  return limit;
}

void HttpRoutes::count(const std::string& endpoint, const std::string& operation, const std::string& kind,
                       const std::string& result, Clock::time_point start) const {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  metrics_.requests.inc({endpoint, operation, kind, result});
  metrics_.latency.observe({endpoint, operation, kind, result}, seconds);
}

std::string HttpRoutes::error_body(const std::string& path, int status, const std::string& message) const {
  if (const JsonEndpoint* endpoint = json_endpoint(path); endpoint != nullptr && endpoint->error_body) {
    return endpoint->error_body(status, message);
  }
  return json{{"code", status}, {"message", message}}.dump();
}

HttpAnswer HttpRoutes::refuse(const std::string& path, int status, const std::string& message) const {
  const bool known = json_endpoint(path) != nullptr;
  // Unknown paths are not counted per path: a scanner would grow the label set without end.
  count(known ? path : "other", "", "", result_of(status), Clock::now());
  common::log_event(spdlog::level::warn, "request refused",
                    {{"endpoint", path}, {"status", status}, {"error", message}});
  return HttpAnswer{status, "application/json", error_body(path, status, message)};
}

HttpAnswer HttpRoutes::handle_json(const std::string& path, const JsonEndpoint& endpoint,
                                   const std::string& content_type, const std::string& body,
                                   const std::string& remote) const {
  const auto start = Clock::now();
  metrics_.in_flight.add({}, 1);
  struct InFlight {
    common::Gauge& gauge;
    ~InFlight() { gauge.add({}, -1); }
  } in_flight{metrics_.in_flight};

  auto refuse_here = [&](int status, const std::string& result, const std::string& message) {
    count(path, "", "", result, start);
    common::log_event(spdlog::level::warn, "request refused",
                      {{"endpoint", path}, {"status", status}, {"error", message}, {"remote", remote}});
    return HttpAnswer{status, "application/json", endpoint.error_body(status, message)};
  };
  if (!is_json_media_type(content_type)) {
    return refuse_here(415, "bad_content_type",
                       fmt::format("Content-Type \"{}\" is not supported: expected application/json", content_type));
  }
  if (common::json_nesting_depth(body, options_.max_json_depth) > options_.max_json_depth) {
    return refuse_here(400, "malformed", fmt::format("JSON nested deeper than {} levels", options_.max_json_depth));
  }
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::parse_error& e) {
    return refuse_here(400, "malformed", std::string("malformed JSON: ") + e.what());
  }
  // The fields are built only when the line is written: the body copy costs more than the line.
  if (spdlog::should_log(spdlog::level::debug)) {
    common::log_event(spdlog::level::debug, "request body", {{"endpoint", path}, {"body", body}});
  }

  JsonReply reply;
  try {
    reply = endpoint.handle(parsed);
  } catch (const std::exception& e) {
    return refuse_here(500, "internal_error", std::string("internal error: ") + e.what());
  } catch (...) {
    return refuse_here(500, "internal_error", "internal error");
  }
  count(path, reply.operation, reply.kind, reply.result, start);
  const auto level = reply.result == "ok" ? spdlog::level::info : spdlog::level::warn;
  if (spdlog::should_log(level)) {
    json fields = reply.log_fields;
    fields["endpoint"] = path;
    fields["operation"] = reply.operation;
    fields["kind"] = reply.kind;
    fields["result"] = reply.result;
    fields["status"] = reply.http_status;
    fields["durationMs"] = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    common::log_event(level, "request", fields);
  }
  if (spdlog::should_log(spdlog::level::debug)) {
    common::log_event(spdlog::level::debug, "response body", {{"endpoint", path}, {"body", reply.body}});
  }
  return HttpAnswer{reply.http_status, "application/json", std::move(reply.body)};
}

HttpAnswer HttpRoutes::handle_other(const std::string& method, const std::string& path) const {
  const bool get = method == "GET" || method == "HEAD";
  if (path == "/healthz" && get) return HttpAnswer{200, "text/plain", "ok\n"};
  if (path == "/readyz" && get) {
    Readiness r = readiness_ ? readiness_() : Readiness{true, json::object()};
    if (draining_) {
      r.ready = false;
      r.detail["reason"] = "shutting down";
    }
    json body = r.detail.is_object() ? r.detail : json::object();
    body["ready"] = r.ready;
    return HttpAnswer{r.ready ? 200 : 503, "application/json", body.dump()};
  }
  if (path == "/metrics" && get) {
    return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", metrics_.registry.render()};
  }
  const bool known = path == "/healthz" || path == "/readyz" || path == "/metrics" || json_endpoint(path) != nullptr;
  if (known) return HttpAnswer{405, "application/json", error_body(path, 405, "method not allowed on " + path)};
  return HttpAnswer{404, "application/json", error_body(path, 404, "no such endpoint: " + path)};
}

}  // namespace cell0::webhook
