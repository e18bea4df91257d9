#include "kube/kubeconfig.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "certs/pem.h"
#include "common/base64.h"
#include "common/yaml_json.h"

namespace cell0::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Everything wrong with a kubeconfig or the in-cluster settings makes the connection unusable.
common::Error error(std::string message) { return common::Error{common::ErrorKind::Config, std::move(message)}; }

std::optional<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// An entry of a named list (clusters, users, contexts) and how messages refer to it.
struct Entry {
  const json* body = nullptr;  // the "cluster" / "user" / "context" member
  std::string where;           // clusters["name"].cluster
};

common::Result<Entry> find_entry(const json& doc, const std::string& list, const std::string& member,
                                 const std::string& name, const std::string& wanted_by) {
  const auto it = doc.find(list);
  if (it != doc.end() && !it->is_null() && !it->is_array()) return error(list + ": must be a list");
  if (it != doc.end() && it->is_array()) {
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      if (!item.is_object() || item.value("name", json()) != name) continue;
      const std::string where = fmt::format("{}[\"{}\"].{}", list, name, member);
      const auto body = item.find(member);
      if (body == item.end() || !body->is_object()) return error(where + ": missing or not a map");
      return Entry{&*body, where};
    }
  }
  return error(fmt::format("{}: no entry named \"{}\" (wanted by {})", list, name, wanted_by));
}

// A string field: absent or null gives "", anything but a string is an error.
common::Result<std::string> string_field(const Entry& e, const std::string& field) {
  const auto it = e.body->find(field);
  if (it == e.body->end() || it->is_null()) return std::string();
  if (!it->is_string()) return error(e.where + "." + field + ": must be a string");
  return it->get<std::string>();
}

// "<field>-data" (base64) or "<field>" (a file name): at most one of them.
common::Result<std::string> data_or_file(const Entry& e, const std::string& field, const fs::path& base_dir) {
  auto data = string_field(e, field + "-data");
  if (!data) return data.error();
  auto file = string_field(e, field);
  if (!file) return file.error();
  if (!data->empty() && !file->empty()) {
    return error(fmt::format("{0}.{1} and {0}.{1}-data: give only one of them", e.where, field));
  }
  if (!data->empty()) {
    auto decoded = common::base64_decode(trim(*data));
    if (!decoded) return error(e.where + "." + field + "-data: not valid base64");
    return *decoded;
  }
  if (file->empty()) return std::string();
  const fs::path path = fs::path(*file).is_absolute() ? fs::path(*file) : base_dir / *file;
  auto text = read_file(path);
  if (!text) return error(fmt::format("{}.{}: cannot read {}", e.where, field, path.string()));
  return *text;
}

common::Result<common::Done> check_certificate(const std::string& pem, const std::string& field) {
  auto cert = certs::parse_certificate(pem);
  if (!cert) return error(field + ": not a PEM certificate (" + cert.error().message + ")");
  return common::Done{};
}

common::Result<common::Done> read_cluster(const Entry& cluster, const fs::path& base_dir, KubeConnection& c) {
  auto server = string_field(cluster, "server");
  if (!server) return server.error();
  if (server->empty()) return error(cluster.where + ".server: required");
  auto url = parse_server_url(*server);
  if (!url) return error(cluster.where + ".server: " + url.error().message);
  c.server = url->server;
  c.host = url->host;
  c.port = url->port;

  auto ca = data_or_file(cluster, "certificate-authority", base_dir);
  if (!ca) return ca.error();
  c.ca_pem = *ca;
  if (!c.ca_pem.empty()) {
    if (auto ok = check_certificate(c.ca_pem, cluster.where + ".certificate-authority"); !ok) return ok.error();
  }
  const auto insecure = cluster.body->find("insecure-skip-tls-verify");
  if (insecure != cluster.body->end() && !insecure->is_null()) {
    if (!insecure->is_boolean()) return error(cluster.where + ".insecure-skip-tls-verify: must be true or false");
    c.insecure_skip_tls_verify = insecure->get<bool>();
  }
  if (c.insecure_skip_tls_verify && !c.ca_pem.empty()) {
    // kubectl refuses this combination too: the CA would silently be ignored.
    return error(cluster.where +
                 ".insecure-skip-tls-verify: cannot be true together with certificate-authority(-data)");
  }
  if (c.insecure_skip_tls_verify) {
    c.warnings.push_back(cluster.where +
                         ".insecure-skip-tls-verify is true: the API server's certificate is NOT verified");
  }
  auto sni = string_field(cluster, "tls-server-name");
  if (!sni) return sni.error();
  c.tls_server_name = *sni;
  if (cluster.body->contains("proxy-url")) return error(cluster.where + ".proxy-url: not supported");
  return common::Done{};
}

common::Result<common::Done> read_user(const Entry& user, const fs::path& base_dir, KubeConnection& c) {
  for (const char* unsupported : {"exec", "auth-provider", "username", "password", "as", "as-groups"}) {
    const auto it = user.body->find(unsupported);
    if (it != user.body->end() && !it->is_null()) {
      return error(user.where + "." + unsupported + ": not supported (use a client certificate or a token)");
    }
  }
  auto cert = data_or_file(user, "client-certificate", base_dir);
  if (!cert) return cert.error();
  auto key = data_or_file(user, "client-key", base_dir);
  if (!key) return key.error();
  if (cert->empty() != key->empty()) {
    return error(user.where + (cert->empty() ? ".client-certificate" : ".client-key") + ": required together with " +
                 (cert->empty() ? "client-key" : "client-certificate"));
  }
  if (!cert->empty()) {
    auto x509 = certs::parse_certificate(*cert);
    if (!x509) return error(user.where + ".client-certificate: not a PEM certificate");
    auto pkey = certs::parse_private_key(*key);
    if (!pkey) return error(user.where + ".client-key: not a PEM private key");
    if (!certs::key_matches(x509->get(), pkey->get())) {
      return error(user.where + ".client-key: does not belong to client-certificate");
    }
    c.client_cert_pem = *cert;
    c.client_key_pem = *key;
  }
  auto token = string_field(user, "token");
  if (!token) return token.error();
  c.token = *token;
  auto token_file = string_field(user, "tokenFile");
  if (!token_file) return token_file.error();
  if (!token_file->empty()) {
    // client-go: the file wins over an inline token, and is re-read as it rotates.
    c.token_file = fs::path(*token_file).is_absolute() ? fs::path(*token_file) : base_dir / *token_file;
    auto text = read_file(c.token_file);
    if (!text) return error(user.where + ".tokenFile: cannot read " + c.token_file.string());
    c.token = trim(*text);
    if (c.token.empty()) return error(user.where + ".tokenFile: " + c.token_file.string() + " is empty");
  }
  return common::Done{};
}

}  // namespace

common::Result<KubeConnection> parse_server_url(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) return error("\"" + url + "\": must be an https:// URL");
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@") != std::string::npos) {
    return error("\"" + url + "\": a path, query or user info is not supported");
  }
  KubeConnection c;
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) return error("\"" + url + "\": unterminated IPv6 address");
    c.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return error("\"" + url + "\": bad host");
      port_text = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.find(':');
    c.host = rest.substr(0, colon);
    if (colon != std::string::npos) port_text = rest.substr(colon + 1);
  }
  if (c.host.empty()) return error("\"" + url + "\": no host");
  if (!port_text.empty()) {
    char* end = nullptr;
    const long port = std::strtol(port_text.c_str(), &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) return error("\"" + url + "\": bad port \"" + port_text + "\"");
    c.port = static_cast<int>(port);
  }
  const bool v6 = c.host.find(':') != std::string::npos;
  c.server = scheme + (v6 ? "[" + c.host + "]" : c.host) + (port_text.empty() ? "" : ":" + port_text);
  return c;
}

common::Result<KubeConnection> parse_kubeconfig(const json& doc, const fs::path& base_dir, const std::string& context) {
  if (!doc.is_object()) return error("not a kubeconfig (expected a map with clusters, users and contexts)");
  if (doc.contains("kind") && doc["kind"] != "Config") return error("kind: must be Config");
  std::string name = context;
  std::string wanted_by = "--context";
  if (name.empty()) {
    const auto current = doc.find("current-context");
    if (current == doc.end() || !current->is_string() || current->get<std::string>().empty()) {
      return error("current-context: not set (give --context NAME)");
    }
    name = current->get<std::string>();
    wanted_by = "current-context";
  }
  auto ctx = find_entry(doc, "contexts", "context", name, wanted_by);
  if (!ctx) return ctx.error();
  auto cluster_name = string_field(*ctx, "cluster");
  if (!cluster_name) return cluster_name.error();
  if (cluster_name->empty()) return error(ctx->where + ".cluster: required");
  auto user_name = string_field(*ctx, "user");
  if (!user_name) return user_name.error();

  KubeConnection c;
  auto cluster = find_entry(doc, "clusters", "cluster", *cluster_name, ctx->where + ".cluster");
  if (!cluster) return cluster.error();
  if (auto ok = read_cluster(*cluster, base_dir, c); !ok) return ok.error();
  if (!user_name->empty()) {
    auto user = find_entry(doc, "users", "user", *user_name, ctx->where + ".user");
    if (!user) return user.error();
    if (auto ok = read_user(*user, base_dir, c); !ok) return ok.error();
  }
  c.source = "context " + name;
  return c;
}

common::Result<KubeConnection> load_kubeconfig(const fs::path& file, const std::string& context) {
  auto docs = common::load_yaml_file(file);
  if (!docs) return error("kubeconfig " + docs.error().message);
  if (docs->size() != 1) {
    return error(fmt::format("kubeconfig {}: expected one YAML document, found {}", file.string(), docs->size()));
  }
  auto c = parse_kubeconfig(docs->front(), file.parent_path(), context);
  if (!c) return error("kubeconfig " + file.string() + ": " + c.error().message);
  c->source = "kubeconfig " + file.string() + " " + c->source;
  return c;
}

common::Result<KubeConnection> in_cluster_config(const InClusterPaths& paths, const EnvLookup& env) {
  const EnvLookup lookup = env ? env : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  const auto host = lookup("KUBERNETES_SERVICE_HOST");
  const auto port = lookup("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return error("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod?)");
  }
  const bool v6 = host->find(':') != std::string::npos;
  auto c = parse_server_url("https://" + (v6 ? "[" + *host + "]" : *host) + ":" + *port);
  if (!c) return error("in-cluster: KUBERNETES_SERVICE_HOST/PORT: " + c.error().message);
  auto token = read_file(paths.token);
  if (!token || trim(*token).empty())
    return error("in-cluster: cannot read the service-account token " + paths.token.string());
  c->token = trim(*token);
  c->token_file = paths.token;
  auto ca = read_file(paths.ca);
  if (!ca) return error("in-cluster: cannot read the service-account CA " + paths.ca.string());
  if (auto ok = check_certificate(*ca, "in-cluster: " + paths.ca.string()); !ok) return ok.error();
  c->ca_pem = *ca;
  c->source = "in-cluster service account";
  return c;
}

}  // namespace cell0::kube

namespace cell0::kube {

common::Result<KubeConnection> resolve_kube_connection(const std::string& kubeconfig, const std::string& context,
                                                       bool in_cluster) {
  if (!kubeconfig.empty() && in_cluster) return error("--kubeconfig and --in-cluster exclude each other");
  if (!context.empty() && kubeconfig.empty()) return error("--context needs --kubeconfig");
  if (in_cluster) return in_cluster_config();
  if (kubeconfig.empty()) return error("give --kubeconfig FILE or --in-cluster");
  return load_kubeconfig(kubeconfig, context);
}

}  // namespace cell0::kube
