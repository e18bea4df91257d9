#include "kube/kube_client.h"

#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "certs/openssl_ptr.h"

namespace cell0::kube {
namespace {

using common::Error;
using common::ErrorKind;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxBody = 64u << 20;

// The reason OpenSSL refused the server's certificate, for the message of the failed call. The
// handshake runs on the calling thread, so a thread_local carries it out of the callback.
thread_local std::string last_verify_error;

int remember_verify_error(int ok, X509_STORE_CTX* ctx) {
  if (ok == 0) {
    last_verify_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  }
  return ok;
}

std::vector<certs::X509Ptr> parse_pem_bundle(const std::string& pem) {
  std::vector<certs::X509Ptr> out;
  certs::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(cert);
  ERR_clear_error();  // the loop ends on a "no start line" error
  return out;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A call that got no usable answer: http_status 0, `reason` names what failed.
Error transport_failure(ErrorKind kind, std::string reason, std::string message) {
  return Error{kind, std::move(message), 0, std::move(reason)};
}

Error status_error(int status, const std::string& body, const KubeConnection& c) {
  Error e{ErrorKind::Api, "", status, ""};
  try {
    const json s = json::parse(body);
    if (s.is_object()) {
      e.reason = s.value("reason", "");
      e.message = s.value("message", "");
    }
  } catch (const json::exception&) {
    e.message = body.substr(0, 200);
  }
  if (status == 401) {
    e.reason = "Unauthorized";
    e.message = fmt::format(
        "{} refused the credentials of {} (token expired or revoked, or client certificate "
        "not accepted){}",
        c.server, c.source, e.message.empty() ? "" : ": " + e.message);
  } else if (status == 403 && e.reason.empty()) {
    e.reason = "Forbidden";
  }
  return e;
}

std::string read_token_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

}  // namespace

std::string url_query_escape(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct KubeClient::Tls {
  std::vector<certs::X509Ptr> ca;
  std::vector<certs::X509Ptr> client_chain;  // leaf first
  certs::EvpPkeyPtr client_key;

  bool configure(SSL_CTX* ctx, const KubeConnection& c, std::string& error) const {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (c.insecure_skip_tls_verify) {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    } else {
      if (ca.empty()) {
        SSL_CTX_set_default_verify_paths(ctx);
      } else {
        X509_STORE* store = X509_STORE_new();
        for (const auto& cert : ca) X509_STORE_add_cert(store, cert.get());
        SSL_CTX_set_cert_store(ctx, store);  // takes ownership
      }
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, remember_verify_error);
      const std::string name = c.tls_server_name.empty() ? c.host : c.tls_server_name;
      X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
      const int set = is_ip_address(name) ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                                          : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      if (set != 1) {
        error = "cannot check the server name " + name;
        return false;
      }
    }
    if (client_key) {
      if (SSL_CTX_use_certificate(ctx, client_chain.front().get()) != 1 ||
          SSL_CTX_use_PrivateKey(ctx, client_key.get()) != 1) {
        error = "cannot use the client certificate";
        return false;
      }
      for (std::size_t i = 1; i < client_chain.size(); ++i) {
        SSL_CTX_add1_chain_cert(ctx, client_chain[i].get());
      }
    }
    return true;
  }
};

// Registers a client as running, so cancel() can stop it.
struct KubeClient::Call {
  Call(KubeClient& k, httplib::SSLClient* c) : owner(k), client(c) {
    std::lock_guard lock(owner.mutex_);
    owner.active_.insert(client);
  }
  ~Call() {
    std::lock_guard lock(owner.mutex_);
    owner.active_.erase(client);
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  KubeClient& owner;
  httplib::SSLClient* client;
};

KubeClient::KubeClient(KubeConnection connection, KubeClientOptions options)
    : connection_(std::move(connection)), options_(options), tls_(std::make_unique<Tls>()) {
  tls_->ca = parse_pem_bundle(connection_.ca_pem);
  if (!connection_.client_cert_pem.empty()) {
    tls_->client_chain = parse_pem_bundle(connection_.client_cert_pem);
    certs::BioPtr bio(
        BIO_new_mem_buf(connection_.client_key_pem.data(), static_cast<int>(connection_.client_key_pem.size())));
    tls_->client_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (tls_->client_chain.empty()) tls_->client_key.reset();
  }
  token_ = connection_.token;
  if (!connection_.token_file.empty()) {
    std::error_code ec;
    token_mtime_ = std::filesystem::last_write_time(connection_.token_file, ec);
  }
}

KubeClient::~KubeClient() = default;

std::string KubeClient::bearer_token(bool force_reload) {
  std::lock_guard lock(mutex_);
  if (!connection_.token_file.empty()) {
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(connection_.token_file, ec);
    if (!ec && (force_reload || mtime != token_mtime_)) {
      const std::string fresh = read_token_file(connection_.token_file);
      if (!fresh.empty()) token_ = fresh;
      token_mtime_ = mtime;
    }
  }
  return token_;
}

std::unique_ptr<httplib::SSLClient> KubeClient::make_client(std::chrono::milliseconds read_timeout,
                                                            std::string& error) {
  auto cli = std::make_unique<httplib::SSLClient>(connection_.host, connection_.port);
  // Verification is OpenSSL's (Tls::configure), against our CA only; httplib's own check would
  // add the system store to it.
  cli->enable_server_certificate_verification(false);
  if (!tls_->configure(cli->ssl_context(), connection_, error)) return nullptr;
  cli->set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options_.connect_timeout));
  cli->set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(read_timeout));
  cli->set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options_.request_timeout));
  cli->set_keep_alive(false);
  cli->set_tcp_nodelay(true);
  const std::string token = bearer_token(false);
  if (!token.empty()) cli->set_bearer_token_auth(token);
  return cli;
}

namespace {

Error transport_error(httplib::Error error, bool timed_out, const KubeConnection& c,
                      std::chrono::milliseconds timeout) {
  if (timed_out || error == httplib::Error::ConnectionTimeout) {
    return transport_failure(ErrorKind::Timeout, "Timeout",
                             fmt::format("{}: no complete answer within {} ms", c.server, timeout.count()));
  }
  if (error == httplib::Error::SSLConnection && !last_verify_error.empty()) {
    return transport_failure(ErrorKind::Tls, "TLS",
                             fmt::format("{}: server certificate refused: {} (check certificate-authority of {})",
                                         c.server, last_verify_error, c.source));
  }
  if (error == httplib::Error::Connection) {
    return transport_failure(ErrorKind::Unavailable, "Connection",
                             c.server + ": cannot connect (refused, unreachable or no such host)");
  }
  if (error == httplib::Error::Read) {
    return transport_failure(ErrorKind::Unavailable, "Read",
                             fmt::format("{}: connection lost or no data within the read timeout", c.server));
  }
  return transport_failure(ErrorKind::Unavailable, httplib::to_string(error),
                           c.server + ": " + httplib::to_string(error));
}

Error canceled_error() { return transport_failure(ErrorKind::Unavailable, "Canceled", "the client was stopped"); }

}  // namespace

common::Result<json> KubeClient::request(const std::string& method, const std::string& path, const std::string& body,
                                         const std::string& content_type) {
  for (int attempt = 0;; ++attempt) {
    if (cancelled_) return canceled_error();
    std::string setup_error;
    auto cli = make_client(options_.request_timeout, setup_error);
    if (!cli) return transport_failure(ErrorKind::Tls, "TLS", setup_error);
    Call call(*this, cli.get());

    httplib::Request req;
    req.method = method;
    req.path = path;
    req.set_header("Accept", "application/json");
    req.set_header("User-Agent", "cell0-webhook");
    if (!body.empty()) {
      req.set_header("Content-Type", content_type);
      req.body = body;
    }
    const auto deadline = Clock::now() + options_.request_timeout;
    bool timed_out = false;
    std::string response_body;
    req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      if (Clock::now() > deadline) {
        timed_out = true;
        return false;
      }
      response_body.append(data, size);
      return response_body.size() <= kMaxBody;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    last_verify_error.clear();
    if (!cli->send(req, res, error)) {
      if (cancelled_) return canceled_error();
      // A read timeout shows up as a read error: tell it by the time spent.
      timed_out = timed_out || Clock::now() + options_.request_timeout / 10 >= deadline;
      return transport_error(error, timed_out, connection_, options_.request_timeout);
    }
    if (res.status == 401 && attempt == 0 && !connection_.token_file.empty()) {
      bearer_token(true);  // a rotated service-account token: try once more with the new one
      continue;
    }
    if (res.status < 200 || res.status >= 300) return status_error(res.status, response_body, connection_);
    try {
      return json::parse(response_body);
    } catch (const json::exception& e) {
      return transport_failure(ErrorKind::Unavailable, "BadResponse",
                               fmt::format("{} {}: the answer is not JSON: {}", method, path, e.what()));
    }
  }
}

common::Result<json> KubeClient::get(const std::string& path) { return request("GET", path, "", ""); }

common::Result<json> KubeClient::json_patch(const std::string& path, const json& operations,
                                            const std::string& guard_version) {
  json ops = json::array();
  if (!guard_version.empty()) {
    ops.push_back({{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", guard_version}});
  }
  for (const auto& op : operations) ops.push_back(op);
  return request("PATCH", path, ops.dump(), "application/json-patch+json");
}

common::Result<ListResult> KubeClient::list(const std::string& collection_path) {
  // An expired continue token (410) means the snapshot is gone: start over, as client-go does.
  for (int restart = 0; restart < 3; ++restart) {
    ListResult out;
    std::string next;
    bool expired = false;
    do {
      std::string path = fmt::format("{}?limit={}", collection_path, options_.page_size);
      if (!next.empty()) path += "&continue=" + url_query_escape(next);
      auto page = request("GET", path, "", "");
      if (!page) {
        if (page.error().http_status == 410 && !next.empty()) {
          expired = true;
          break;
        }
        return page.error();
      }
      ++out.pages;
      if (const auto items = page->find("items"); items != page->end() && items->is_array()) {
        for (auto& item : *items) out.items.push_back(std::move(item));
      }
      const json meta = page->value("metadata", json::object());
      out.resource_version = meta.value("resourceVersion", "");
      next = meta.value("continue", "");
    } while (!next.empty());
    if (!expired) return out;
  }
  return Error{ErrorKind::Api, collection_path + ": the list's continue token kept expiring", 410, "Expired"};
}

WatchOutcome KubeClient::watch(const std::string& collection_path, const std::string& resource_version,
                               const std::function<bool(const WatchEvent&)>& on_event) {
  WatchOutcome out;
  out.resource_version = resource_version;
  auto fail = [&](Error e) {
    out.end = e.http_status == 410 ? WatchEnd::Gone : WatchEnd::Failed;
    out.error = std::move(e);
    return out;
  };
  if (cancelled_) {
    out.end = WatchEnd::Stopped;
    return out;
  }
  std::string setup_error;
  auto cli = make_client(options_.watch_idle_timeout, setup_error);
  if (!cli) return fail(transport_failure(ErrorKind::Tls, "TLS", setup_error));
  Call call(*this, cli.get());

  httplib::Request req;
  req.method = "GET";
  req.path = fmt::format("{}?watch=1&allowWatchBookmarks=true&timeoutSeconds={}", collection_path,
                         options_.watch_timeout.count());
  if (!resource_version.empty()) req.path += "&resourceVersion=" + url_query_escape(resource_version);
  req.set_header("Accept", "application/json");
  req.set_header("User-Agent", "cell0-webhook");

  int status = 0;
  std::string buffer;
  std::string error_body;
  bool stopped = false;
  std::optional<Error> stream_error;
  req.response_handler = [&](const httplib::Response& r) {
    status = r.status;
    return true;
  };
  auto handle_line = [&](const std::string& line) {
    json event;
    try {
      event = json::parse(line);
    } catch (const json::exception& e) {
      stream_error =
          transport_failure(ErrorKind::Unavailable, "BadEvent", std::string("watch event is not JSON: ") + e.what());
      return false;
    }
    const std::string type = event.value("type", "");
    json object = event.value("object", json::object());
    if (type == "ERROR") {
      const int code = object.is_object() ? object.value("code", 0) : 0;
      stream_error =
          Error{ErrorKind::Api, object.value("message", ""), code == 0 ? 500 : code, object.value("reason", "")};
      return false;
    }
    if (type.empty() || !object.is_object()) {
      stream_error = transport_failure(ErrorKind::Unavailable, "BadEvent", "watch event without type or object");
      return false;
    }
    const std::string rv = object.value("metadata", json::object()).value("resourceVersion", "");
    if (!rv.empty()) out.resource_version = rv;
    ++out.events;
    if (!on_event(WatchEvent{type, std::move(object)})) {
      stopped = true;
      return false;
    }
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    if (cancelled_) return false;
    if (status != 200) {
      error_body.append(data, std::min(size, std::size_t{4096}));
      return true;
    }
    buffer.append(data, size);
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string line = buffer.substr(start, nl - start);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (!handle_line(line)) return false;
    }
    buffer.erase(0, start);
    return buffer.size() <= kMaxBody;
  };

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  last_verify_error.clear();
  const bool sent = cli->send(req, res, error);
  if (stopped || cancelled_) {
    out.end = WatchEnd::Stopped;
    return out;
  }
  if (stream_error) return fail(*stream_error);
  if (!sent) {
    Error e = transport_error(error, false, connection_, options_.watch_idle_timeout);
    if (e.reason == "Read") e.message = connection_.server + ": the watch was dropped or stayed silent too long";
    return fail(std::move(e));
  }
  if (status == 401 && !connection_.token_file.empty()) bearer_token(true);
  if (status != 200) return fail(status_error(status, error_body, connection_));
  if (buffer.find_first_not_of(" \t\r\n") != std::string::npos) {
    return fail(transport_failure(ErrorKind::Unavailable, "BadEvent", "the watch stream ended inside an event"));
  }
  out.end = WatchEnd::Closed;
  return out;
}

void KubeClient::interrupt() {
  std::lock_guard lock(mutex_);
  for (auto* client : active_) client->stop();
}

void KubeClient::cancel() {
  cancelled_ = true;
  // stop() only reaches a request once its socket is open, so keep at it until every call
  // has returned (bounded: each call also has its own timeouts).
  const auto give_up = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < give_up) {
    {
      std::lock_guard lock(mutex_);
      if (active_.empty()) return;
      for (auto* client : active_) client->stop();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace cell0::kube
