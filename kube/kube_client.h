// A small Kubernetes API client on cpp-httplib's SSL client: paginated list, get, JSON Patch and
// watch with bookmarks. Each call opens its own connection (the reconciler makes few calls), so
// calls may nest (a PATCH from inside a watch callback) and cancel() can stop them all.
//
// TLS is verified by OpenSSL against the connection's CA only (or the system store when it has
// none), with the host (or tls-server-name) checked against the certificate; a client
// certificate is presented when configured. A bearer token read from a file is re-read when the
// file changes and once more after a 401, as rotated service-account tokens require.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/kubeconfig.h"

namespace httplib {
class SSLClient;
}

namespace cell0::kube {

struct ApiError {
  int status = 0;      // HTTP status; 0: no usable response (connection, TLS, timeout, bad body)
  std::string reason;  // metav1.Status reason (Conflict, Expired, ...) or the transport error
  std::string message;

  bool conflict() const { return status == 409; }
  bool gone() const { return status == 410; }
  std::string text() const;
};

template <typename T>
class ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

struct KubeClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{15000};  // whole request: list page, get, patch
  // The server is asked to end a watch after this long; the client then watches again.
  std::chrono::seconds watch_timeout{300};
  // A watch that delivers nothing (no event, no bookmark) for this long is dropped.
  std::chrono::milliseconds watch_idle_timeout{330000};
  std::size_t page_size = 100;
};

struct ListResult {
  std::vector<nlohmann::json> items;
  std::string resource_version;  // of the list, to watch from
  std::size_t pages = 0;
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK
  nlohmann::json object;
};

enum class WatchEnd {
  Closed,   // the server ended the stream cleanly (its timeout): watch again from the last version
  Gone,     // 410 / ERROR event "Expired": the version is too old, list again
  Stopped,  // the callback said stop, or cancel()
  Failed,   // dropped mid-stream, silent too long, refused, unreadable: back off, list again
};

struct WatchOutcome {
  WatchEnd end = WatchEnd::Closed;
  ApiError error;                // for Gone and Failed
  std::string resource_version;  // the last one seen (event or bookmark), else the one given
  std::size_t events = 0;        // events and bookmarks delivered
};

class KubeClient {
 public:
  KubeClient(KubeConnection connection, KubeClientOptions options = {});
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  // Every page (limit/continue) of a collection; an expired continue token restarts the list.
  ApiResult<ListResult> list(const std::string& collection_path);
  ApiResult<nlohmann::json> get(const std::string& path);
  // application/json-patch+json. With `guard_version`, a `test` of /metadata/resourceVersion goes
  // first, so the patch applies to exactly the object it was computed from.
  ApiResult<nlohmann::json> json_patch(const std::string& path, const nlohmann::json& operations,
                                       const std::string& guard_version = {});
  // Blocks until the stream ends; on_event returns false to stop.
  WatchOutcome watch(const std::string& collection_path, const std::string& resource_version,
                     const std::function<bool(const WatchEvent&)>& on_event);

  // Ends running calls and makes new ones fail at once; from any thread, for shutdown.
  void cancel();
  // Ends the calls running right now (a watch returns Failed or Stopped); later calls work.
  void interrupt();
  bool cancelled() const { return cancelled_; }
  const KubeConnection& connection() const { return connection_; }

 private:
  struct Tls;
  struct Call;
  std::unique_ptr<httplib::SSLClient> make_client(std::chrono::milliseconds read_timeout, std::string& error);
  ApiResult<nlohmann::json> request(const std::string& method, const std::string& path, const std::string& body,
                                    const std::string& content_type);
  std::string bearer_token(bool force_reload);

  KubeConnection connection_;
  KubeClientOptions options_;
  std::unique_ptr<Tls> tls_;
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::set<httplib::SSLClient*> active_;
  std::string token_;
  std::filesystem::file_time_type token_mtime_{};
};

// Percent-encoding for a query parameter value.
std::string url_query_escape(const std::string& value);

}  // namespace cell0::kube
