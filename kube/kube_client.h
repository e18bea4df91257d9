// A small Kubernetes API client on cpp-httplib's SSL client: paginated list, get, JSON Patch and
// watch with bookmarks. Each call opens its own connection (the reconciler makes few calls), so
// calls may nest (a PATCH from inside a watch callback) and cancel() can stop them all.
//
// TLS is verified by OpenSSL against the connection's CA only (or the system store when it has
// none), with the host (or tls-server-name) checked against the certificate; a client
// certificate is presented when configured. A bearer token read from a file is re-read when the
// file changes and once more after a 401, as rotated service-account tokens require.
//
// A failed call is a common::Error: kind Api with the answer's HTTP status and metav1.Status
// reason (Conflict, Expired, ...), or Timeout, Tls or Unavailable with http_status 0 and the
// transport failure as the reason (Timeout, TLS, Connection, Read, Canceled, BadResponse, ...).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/kubeconfig.h"

namespace httplib {
class SSLClient;
}

namespace cell0::kube {

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
  common::Error error;           // for Gone and Failed
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
  common::Result<ListResult> list(const std::string& collection_path);
  common::Result<nlohmann::json> get(const std::string& path);
  // application/json-patch+json. With `guard_version`, a `test` of /metadata/resourceVersion goes
  // first, so the patch applies to exactly the object it was computed from.
  common::Result<nlohmann::json> json_patch(const std::string& path, const nlohmann::json& operations,
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
  common::Result<nlohmann::json> request(const std::string& method, const std::string& path, const std::string& body,
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
