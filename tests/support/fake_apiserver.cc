#include "tests/support/fake_apiserver.h"

#include <fstream>

#include <httplib.h>
#include <openssl/ssl.h>
#include <catch2/catch.hpp>

#include "certs/generate.h"
#include "certs/pem.h"
#include "common/base64.h"
#include "policies/cluster_taint.h"

namespace cell0::testing {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

json status(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

void reply_status(httplib::Response& res, int code, const std::string& reason, const std::string& message) {
  res.status = code;
  res.set_content(status(code, reason, message).dump(), "application/json");
}

std::string event_line(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

long long to_version(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

json make_cluster(const std::string& name, const json& labels, const json& taints) {
  json c = {{"apiVersion", "cluster.karmada.io/v1alpha1"},
            {"kind", "Cluster"},
            {"metadata", {{"name", name}}},
            {"spec", {{"syncMode", "Push"}, {"apiEndpoint", "https://" + name + ".example:6443"}, {"zones", {"az1"}}}}};
  if (!labels.empty()) c["metadata"]["labels"] = labels;
  if (!taints.is_null()) c["spec"]["taints"] = taints;
  return c;
}

json make_namespace(const std::string& name, const json& annotations) {
  json ns = {{"apiVersion", "v1"},
             {"kind", "Namespace"},
             {"metadata", {{"name", name}}},
             {"spec", {{"finalizers", {"kubernetes"}}}}};
  if (!annotations.empty()) ns["metadata"]["annotations"] = annotations;
  return ns;
}

FakeApiServer::FakeApiServer() : FakeApiServer(Options{}) {}

FakeApiServer::FakeApiServer(Options options) : options_(options) {
  auto ca = certs::generate_ca({"fake-apiserver-ca", 1, certs::KeyType::EcdsaP256});
  REQUIRE(ca.ok());
  auto server = certs::issue_certificate(*ca, {"fake-apiserver", {"127.0.0.1", "localhost"}, 1});
  REQUIRE(server.ok());
  auto client_ca = certs::generate_ca({"fake-client-ca", 1, certs::KeyType::EcdsaP256});
  REQUIRE(client_ca.ok());
  certs::CertOptions client_options{"system:admin", {}, 1};
  client_options.usage = certs::Usage::Client;
  auto client = certs::issue_certificate(*client_ca, client_options);
  REQUIRE(client.ok());
  auto other = certs::generate_ca({"someone-else", 1, certs::KeyType::EcdsaP256});
  REQUIRE(other.ok());
  ca_pem_ = certs::to_pem(ca->cert.get());
  client_ca_pem_ = certs::to_pem(client_ca->cert.get());
  client_cert_pem_ = certs::to_pem(client->cert.get());
  client_key_pem_ = certs::to_pem(client->key.get());
  other_ca_pem_ = certs::to_pem(other->cert.get());

  X509* server_cert = server->cert.get();
  EVP_PKEY* server_key = server->key.get();
  X509* trusted_client_ca = client_ca->cert.get();
  http_ = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate(&ctx, server_cert) != 1 || SSL_CTX_use_PrivateKey(&ctx, server_key) != 1) return false;
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, trusted_client_ca);
    SSL_CTX_set_cert_store(&ctx, store);
    // A client certificate is optional (token clients send none) but must verify when sent.
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
    return true;
  });
  REQUIRE(http_->is_valid());
  http_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  http_->set_read_timeout(std::chrono::seconds(5));
  http_->set_write_timeout(std::chrono::seconds(5));
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  const std::string pattern = options_.collection + "(/[^/]*)?";
  http_->Get(pattern, handler);
  http_->Patch(pattern, handler);
  auto policy_handler = [this](const httplib::Request& req, httplib::Response& res) { handle_policy(req, res); };
  http_->Get("/apis/policy.karmada.io/v1alpha1/.*", policy_handler);
  http_->Patch("/apis/policy.karmada.io/v1alpha1/.*", policy_handler);
  port_ = http_->bind_to_any_port("127.0.0.1");
  REQUIRE(port_ > 0);
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so a quick destructor would wait forever.
  while (!http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeApiServer::~FakeApiServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  http_->stop();
  thread_.join();
}

std::string FakeApiServer::url() const { return "https://127.0.0.1:" + std::to_string(port_); }

void FakeApiServer::set_token(std::string token) {
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

json FakeApiServer::cert_user() const {
  return {{"client-certificate-data", common::base64_encode(client_cert_pem_)},
          {"client-key-data", common::base64_encode(client_key_pem_)}};
}

json FakeApiServer::token_user(const std::string& token) const { return {{"token", token}}; }

std::filesystem::path FakeApiServer::write_kubeconfig(const json& user, const std::string& ca_pem,
                                                      const std::string& name) const {
  const json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"current-context", "karmada"},
      {"clusters",
       {{{"name", "karmada-apiserver"},
         {"cluster",
          {{"server", url()},
           {"certificate-authority-data", common::base64_encode(ca_pem.empty() ? ca_pem_ : ca_pem)}}}}}},
      {"users", {{{"name", "admin"}, {"user", user}}}},
      {"contexts", {{{"name", "karmada"}, {"context", {{"cluster", "karmada-apiserver"}, {"user", "admin"}}}}}},
  };
  const auto path = dir_.path() / name;
  std::ofstream(path) << config.dump(2);
  return path;
}

bool FakeApiServer::take(int& counter) {
  if (counter <= 0) return false;
  --counter;
  return true;
}

void FakeApiServer::arm(const std::function<void(Faults&)>& change) {
  {
    std::lock_guard lock(mutex_);
    change(faults_);
  }
  changed_.notify_all();
}

Faults FakeApiServer::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

std::vector<LoggedRequest> FakeApiServer::requests() const {
  std::lock_guard lock(mutex_);
  return log_;
}

std::size_t FakeApiServer::count(const std::string& method, bool watches) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& r : log_) {
    const bool is_watch = r.path.find("watch=1") != std::string::npos;
    if (r.method == method && is_watch == watches) ++n;
  }
  return n;
}

json FakeApiServer::write_locked(const std::string& type, json object) {
  object["metadata"]["resourceVersion"] = std::to_string(++rv_);
  history_.push_back({rv_, type, object});
  changed_.notify_all();
  return object;
}

json FakeApiServer::create(json cluster) {
  std::lock_guard lock(mutex_);
  const std::string name = cluster["metadata"]["name"];
  REQUIRE(clusters_.count(name) == 0);
  cluster["metadata"]["uid"] = "uid-" + std::to_string(++uid_);
  cluster["metadata"]["generation"] = 1;
  cluster = write_locked("ADDED", std::move(cluster));
  clusters_[name] = cluster;
  return cluster;
}

json FakeApiServer::update(const std::string& name, const std::function<void(json&)>& change) {
  std::lock_guard lock(mutex_);
  json& stored = clusters_.at(name);
  json next = stored;
  change(next);
  if (next == stored) return stored;
  stored = write_locked("MODIFIED", std::move(next));
  return stored;
}

void FakeApiServer::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  json gone = clusters_.at(name);
  clusters_.erase(name);
  write_locked("DELETED", std::move(gone));
}

std::optional<json> FakeApiServer::cluster(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = clusters_.find(name);
  if (it == clusters_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> FakeApiServer::clusters() const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& [name, c] : clusters_) out.push_back(c);
  return out;
}

long long FakeApiServer::resource_version() const {
  std::lock_guard lock(mutex_);
  return rv_;
}

void FakeApiServer::end_watches(bool abrupt) {
  std::lock_guard lock(mutex_);
  ++watch_generation_;
  last_end_abrupt_ = abrupt;
  changed_.notify_all();
}

void FakeApiServer::compact() {
  std::lock_guard lock(mutex_);
  history_.clear();
  compacted_ = rv_ + 1;
}

std::string FakeApiServer::authenticate(const httplib::Request& req) const {
  if (req.ssl != nullptr) {
    X509* peer = SSL_get1_peer_certificate(req.ssl);
    const bool verified = peer != nullptr && SSL_get_verify_result(req.ssl) == X509_V_OK;
    X509_free(peer);
    if (verified) return "cert";
  }
  const std::string auth = req.get_header_value("Authorization");
  std::lock_guard lock(mutex_);
  if (auth == "Bearer " + token_) return "token";
  return "";
}

void FakeApiServer::handle(const httplib::Request& req, httplib::Response& res) {
  const std::string who = authenticate(req);
  std::string query;
  for (const auto& [k, v] : req.params) query += (query.empty() ? "?" : "&") + k + "=" + v;
  const bool is_watch = req.method == "GET" && req.get_param_value("watch") == "1";
  const std::size_t prefix = options_.collection.size();
  std::string name = req.path.size() > prefix ? req.path.substr(prefix + 1) : "";

  std::chrono::milliseconds delay{0};
  bool fail = false;
  {
    std::lock_guard lock(mutex_);
    if (!who.empty() && !is_watch && take(faults_.slow_requests)) delay = faults_.slow;
    if (!who.empty()) {
      if (is_watch)
        fail = take(faults_.watch_5xx);
      else if (req.method == "PATCH")
        fail = take(faults_.patch_5xx);
      else if (name.empty())
        fail = take(faults_.list_5xx);
      else
        fail = take(faults_.get_5xx);
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);

  if (who.empty()) {
    reply_status(res, 401, "Unauthorized", "Unauthorized");
  } else if (fail) {
    reply_status(res, is_watch ? 503 : 500, "InternalError", "Internal error occurred: injected fault");
  } else if (is_watch) {
    watch(req, res);
  } else if (req.method == "GET" && name.empty()) {
    list(req, res);
  } else if (req.method == "GET") {
    get(name, res);
  } else {
    patch(name, req, res);
  }
  std::lock_guard lock(mutex_);
  log_.push_back({req.method, req.path + query, res.status, who});
}

void FakeApiServer::list(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(mutex_);
  const std::size_t limit = req.has_param("limit") ? std::stoul(req.get_param_value("limit")) : 0;
  long long snapshot = rv_;
  std::string after;
  if (req.has_param("continue")) {
    const std::string token = req.get_param_value("continue");
    const auto colon = token.find(':');
    snapshot = to_version(token.substr(0, colon));
    after = colon == std::string::npos ? "" : token.substr(colon + 1);
    if (take(faults_.continue_expired) || snapshot < compacted_ || colon == std::string::npos) {
      reply_status(res, 410, "Expired",
                   "The provided continue parameter is too old to display a consistent list result.");
      return;
    }
  }
  json items = json::array();
  std::string next;
  for (auto it = clusters_.upper_bound(after); it != clusters_.end(); ++it) {
    if (limit > 0 && items.size() == limit) {
      next = std::to_string(snapshot) + ":" + items.back()["metadata"]["name"].get<std::string>();
      break;
    }
    items.push_back(it->second);
  }
  json meta = {{"resourceVersion", std::to_string(snapshot)}};
  if (!next.empty()) meta["continue"] = next;
  res.set_content(
      json{{"apiVersion", "cluster.karmada.io/v1alpha1"}, {"kind", "ClusterList"}, {"metadata", meta}, {"items", items}}
          .dump(),
      "application/json");
}

void FakeApiServer::get(const std::string& name, httplib::Response& res) {
  std::lock_guard lock(mutex_);
  const auto it = clusters_.find(name);
  if (it == clusters_.end())
    return reply_status(res, 404, "NotFound", "clusters.cluster.karmada.io \"" + name + "\" not found");
  res.set_content(it->second.dump(), "application/json");
}

void FakeApiServer::patch(const std::string& name, const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value("Content-Type") != "application/json-patch+json") {
    return reply_status(res, 415, "UnsupportedMediaType", "the body of the request was in an unknown format");
  }
  json ops;
  try {
    ops = json::parse(req.body);
  } catch (const json::exception& e) {
    return reply_status(res, 400, "BadRequest", e.what());
  }
  if (!ops.is_array()) return reply_status(res, 400, "BadRequest", "a JSON patch is a list of operations");
  std::lock_guard lock(mutex_);
  if (clusters_.count(name) == 0) {
    return reply_status(res, 404, "NotFound", "clusters.cluster.karmada.io \"" + name + "\" not found");
  }
  if (take(faults_.patch_conflicts)) {
    // Another writer got there first: its change lands, so ours no longer applies.
    json other = clusters_[name];
    other["metadata"]["annotations"]["other-writer/" + std::to_string(++other_writes_)] = "was here";
    clusters_[name] = write_locked("MODIFIED", std::move(other));
  }
  json& stored = clusters_[name];
  for (const auto& op : ops) {
    if (op.value("op", "") == "test" && op.value("path", "") == "/metadata/resourceVersion" &&
        op.value("value", json()) != stored["metadata"]["resourceVersion"]) {
      return reply_status(res, 409, "Conflict",
                          "Operation cannot be fulfilled on clusters.cluster.karmada.io \"" + name +
                              "\": the object has been modified; please apply your changes to the latest version "
                              "and try again");
    }
  }
  json next;
  try {
    next = stored.patch(ops);
  } catch (const json::exception& e) {
    return reply_status(res, 422, "Invalid", std::string("the patch does not apply: ") + e.what());
  }
  if (next["metadata"].value("name", "") != name ||
      next["metadata"]["resourceVersion"] != stored["metadata"]["resourceVersion"]) {
    return reply_status(res, 422, "Invalid", "metadata.name and metadata.resourceVersion cannot be patched here");
  }
  if (const auto errors = policies::validate_cluster_taints(next); !errors.empty()) {
    return reply_status(res, 422, "Invalid",
                        "Cluster.cluster.karmada.io \"" + name + "\" is invalid: " + errors.front());
  }
  if (next != stored) {
    stored = write_locked("MODIFIED", std::move(next));
    ++patches_applied_;
  }
  res.set_content(stored.dump(), "application/json");
}

void FakeApiServer::watch(const httplib::Request& req, httplib::Response& res) {
  struct Stream {
    long long from = 0;
    bool initial = false;  // no version given: ADDED for every cluster first
    bool bookmarks = false;
    bool silent = false;
    bool gone = false;
    int drop_after = -1;
    int sent = 0;
    int generation = 0;
    Clock::time_point end;
    Clock::time_point next_bookmark;
  };
  auto s = std::make_shared<Stream>();
  {
    std::unique_lock lock(mutex_);
    if (faults_.hold_watches) {
      ++held_watches_;
      changed_.wait(lock, [this] { return !faults_.hold_watches || stopping_; });
      --held_watches_;
    }
    const std::string from = req.get_param_value("resourceVersion");
    s->initial = from.empty() || from == "0";
    s->from = s->initial ? rv_ : to_version(from);
    s->bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
    s->silent = take(faults_.silent_watches);
    s->gone = take(faults_.watch_gone) || (!s->initial && s->from < compacted_ - 1);
    s->generation = watch_generation_;
    s->drop_after = faults_.watch_drop_after_events;
    faults_.watch_drop_after_events = -1;
    const long long timeout =
        req.has_param("timeoutSeconds") ? std::stoll(req.get_param_value("timeoutSeconds")) : 1800;
    s->end = Clock::now() + std::chrono::seconds(timeout);
    s->next_bookmark = Clock::now() + options_.bookmark_interval;
  }
  ++active_watches_;
  res.set_chunked_content_provider(
      "application/json",
      [this, s](std::size_t, httplib::DataSink& sink) {
        std::unique_lock lock(mutex_);
        if (stopping_) return false;
        if (s->generation != watch_generation_) {
          if (last_end_abrupt_) return false;
          sink.done();
          return true;
        }
        if (s->gone) {
          const std::string line = event_line("ERROR", status(410, "Expired",
                                                              "too old resource version: " + std::to_string(s->from) +
                                                                  " (" + std::to_string(compacted_ - 1) + ")"));
          sink.write(line.data(), line.size());
          sink.done();
          return true;
        }
        if (s->silent) {
          changed_.wait_until(lock, s->end, [&] { return stopping_ || s->generation != watch_generation_; });
          return false;  // reset, never a clean end
        }
        std::string out;
        auto send = [&](const std::string& type, const json& object) {
          if (s->drop_after >= 0 && s->sent >= s->drop_after) return false;
          out += event_line(type, object);
          ++s->sent;
          return true;
        };
        if (s->initial) {
          for (const auto& [name, c] : clusters_) send("ADDED", c);
          s->initial = false;
        }
        for (const auto& e : history_) {
          if (e.rv <= s->from) continue;
          if (!send(e.type, e.object)) break;
          s->from = e.rv;
        }
        if (s->drop_after >= 0 && s->sent >= s->drop_after) {
          out += R"({"type":"MODIFIED","object":{"kind":"Clu)";  // cut mid-event
          lock.unlock();
          sink.write(out.data(), out.size());
          return false;
        }
        if (s->bookmarks && Clock::now() >= s->next_bookmark) {
          out += event_line("BOOKMARK", {{"kind", "Cluster"},
                                         {"apiVersion", "cluster.karmada.io/v1alpha1"},
                                         {"metadata", {{"resourceVersion", std::to_string(rv_)}}}});
          s->from = std::max(s->from, rv_);
          s->next_bookmark = Clock::now() + options_.bookmark_interval;
        }
        if (!out.empty()) {
          lock.unlock();
          return sink.write(out.data(), out.size());
        }
        if (Clock::now() >= s->end) {
          sink.done();
          return true;
        }
        const auto wake = std::min(s->end, s->bookmarks ? s->next_bookmark : s->end);
        const long long seen = rv_;
        changed_.wait_until(lock, wake, [&] { return stopping_ || rv_ != seen || s->generation != watch_generation_; });
        return !stopping_;
      },
      [this](bool) { --active_watches_; });
}

}  // namespace cell0::testing
