// A protocol test server for clusters.cluster.karmada.io/v1alpha1, standing in for
// karmada-apiserver (none can be installed here); with Options::collection another collection
// (v1 namespaces for the Cell0 namespace cache) under the same semantics. Loopback, TLS, client-certificate or
// bearer-token authentication, and the API semantics the reconciler relies on:
//   GET    .../clusters?limit=N&continue=T   list pages sorted by name; an expired token -> 410
//   GET    .../clusters?watch=1&resourceVersion=V&allowWatchBookmarks=true&timeoutSeconds=S
//          newline-delimited events after V (no V: ADDED for every cluster first), BOOKMARKs,
//          ERROR 410 Expired when V is older than the kept history, a clean end after S seconds
//   GET    .../clusters/NAME                 the object or 404
//   PATCH  .../clusters/NAME                 application/json-patch+json only; a failed `test` of
//          /metadata/resourceVersion -> 409 Conflict, any other failed op -> 422; Karmada's taint
//          validation; the resourceVersion moves only when the object changes
// plus the faults of Faults below, each armed for the next N matching requests.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/certs/temp_dir.h"

namespace httplib {
class SSLServer;
class DataSink;
struct Request;
struct Response;
}  // namespace httplib

namespace cell0::testing {

struct Faults {
  int watch_drop_after_events = -1;  // next watch: after N events, half an event and a reset connection
  int watch_gone = 0;                // next N watches: an ERROR event with a 410 Expired Status
  int silent_watches = 0;            // next N watches: the headers, then nothing at all
  int continue_expired = 0;          // next N continued list pages: 410
  int list_5xx = 0;                  // next N lists: 500
  int watch_5xx = 0;                 // next N watches: 503
  int get_5xx = 0;
  int patch_5xx = 0;
  int patch_conflicts = 0;    // next N patches: another writer changes the cluster first (-> 409)
  int slow_requests = 0;      // next N non-watch requests wait `slow` before answering
  bool hold_watches = false;  // new watches wait (before reading their version) until this is cleared
  std::chrono::milliseconds slow{0};
  // PropagationPolicies / ClusterPropagationPolicies (fake_apiserver_policies.cc).
  int policy_list_5xx = 0;
  int policy_patch_5xx = 0;
  int policy_patch_conflicts = 0;  // next N policy patches: another writer changes the policy first
};

struct LoggedRequest {
  std::string method;
  std::string path;  // with the query
  int status = 0;
  std::string auth;  // "cert", "token" or ""
};

class FakeApiServer {
 public:
  struct Options {
    std::chrono::milliseconds bookmark_interval{200};
    std::string collection = "/apis/cluster.karmada.io/v1alpha1/clusters";
  };
  FakeApiServer();
  explicit FakeApiServer(Options options);
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  std::string url() const;
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  const std::string& ca_pem() const { return ca_pem_; }
  const std::string& client_cert_pem() const { return client_cert_pem_; }
  const std::string& client_key_pem() const { return client_key_pem_; }
  // A CA that signed nothing this server uses (for "wrong CA" tests).
  const std::string& other_ca_pem() const { return other_ca_pem_; }
  void set_token(std::string token);

  // Writes a kubeconfig for this server; `user` is the body of the users[].user entry.
  std::filesystem::path write_kubeconfig(const nlohmann::json& user, const std::string& ca_pem = {},
                                         const std::string& name = "kubeconfig") const;
  nlohmann::json cert_user() const;
  nlohmann::json token_user(const std::string& token) const;

  // The world outside the reconciler: each write moves the resourceVersion and is an event.
  nlohmann::json create(nlohmann::json cluster);
  nlohmann::json update(const std::string& name, const std::function<void(nlohmann::json&)>& change);
  void remove(const std::string& name);
  std::optional<nlohmann::json> cluster(const std::string& name) const;
  std::vector<nlohmann::json> clusters() const;
  long long resource_version() const;
  // Forgets the event history: watches from an older version get 410.
  void compact();
  // Ends every running watch: cleanly (as at timeoutSeconds) or by resetting the connection.
  void end_watches(bool abrupt);

  // PropagationPolicies and ClusterPropagationPolicies: list (all namespaces, one page), get and
  // JSON Patch with the same resourceVersion rules as Clusters; no watch.
  nlohmann::json put_policy(nlohmann::json policy);  // create or replace; moves the resourceVersion
  std::optional<nlohmann::json> policy(const std::string& kind, const std::string& namespace_,
                                       const std::string& name) const;
  std::size_t policy_patches_applied() const { return policy_patches_applied_; }

  void arm(const std::function<void(Faults&)>& change);
  Faults faults() const;

  std::vector<LoggedRequest> requests() const;
  std::size_t count(const std::string& method, bool watches = false) const;
  std::size_t patches_applied() const { return patches_applied_; }
  std::size_t active_watches() const { return active_watches_; }
  std::size_t held_watches() const { return held_watches_; }

 private:
  struct Event {
    long long rv;
    std::string type;
    nlohmann::json object;
  };
  void handle(const httplib::Request& req, httplib::Response& res);
  void list(const httplib::Request& req, httplib::Response& res);
  void watch(const httplib::Request& req, httplib::Response& res);
  void get(const std::string& name, httplib::Response& res);
  void patch(const std::string& name, const httplib::Request& req, httplib::Response& res);
  void handle_policy(const httplib::Request& req, httplib::Response& res);
  std::string authenticate(const httplib::Request& req) const;
  nlohmann::json write_locked(const std::string& type, nlohmann::json object);
  bool take(int& counter);

  Options options_;
  TempDir dir_;
  std::string ca_pem_, server_cert_pem_, server_key_pem_, client_ca_pem_, client_cert_pem_, client_key_pem_,
      other_ca_pem_;
  std::unique_ptr<httplib::SSLServer> http_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> patches_applied_{0};
  std::atomic<std::size_t> policy_patches_applied_{0};
  std::atomic<std::size_t> active_watches_{0};
  std::atomic<std::size_t> held_watches_{0};

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, nlohmann::json> clusters_;
  std::map<std::string, nlohmann::json> policies_;  // by object path
  std::vector<Event> history_;
  long long rv_ = 100;
  long long compacted_ = 0;  // watches from versions below this get 410
  long long uid_ = 0;
  int other_writes_ = 0;
  int watch_generation_ = 0;
  bool last_end_abrupt_ = false;
  std::string token_ = "good-token";
  Faults faults_;
  std::vector<LoggedRequest> log_;
};

// A Cluster object as Karmada stores it (syncMode Push), with optional labels and taints.
nlohmann::json make_cluster(const std::string& name, const nlohmann::json& labels = nlohmann::json::object(),
                            const nlohmann::json& taints = nullptr);
// A v1 Namespace with optional annotations.
nlohmann::json make_namespace(const std::string& name, const nlohmann::json& annotations = nlohmann::json::object());

}  // namespace cell0::testing
