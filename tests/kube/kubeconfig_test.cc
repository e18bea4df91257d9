#include <fstream>

#include <catch2/catch.hpp>

#include "common/base64.h"
#include "common/yaml_json.h"
#include "kube/kubeconfig.h"
#include "tests/certs/temp_dir.h"
#include "tests/support/fake_apiserver.h"

namespace cell0::kube {
namespace {

using Catch::Matchers::Contains;
using nlohmann::json;

struct Fixture {
  testing::FakeApiServer server;  // only for its certificates
  std::string b64(const std::string& s) const { return common::base64_encode(s); }
  json config(const json& cluster, const json& user) const {
    return {{"apiVersion", "v1"},
            {"kind", "Config"},
            {"current-context", "main"},
            {"clusters", {{{"name", "k"}, {"cluster", cluster}}}},
            {"users", {{{"name", "u"}, {"user", user}}}},
            {"contexts",
             {{{"name", "main"}, {"context", {{"cluster", "k"}, {"user", "u"}}}},
              {{"name", "other"}, {"context", {{"cluster", "k"}, {"user", "nobody"}}}}}}};
  }
  json good_cluster() const {
    return {{"server", "https://127.0.0.1:6443"}, {"certificate-authority-data", b64(server.ca_pem())}};
  }
};

std::string error_of(const common::Result<KubeConnection>& r) {
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

TEST_CASE_METHOD(Fixture, "kubeconfig: YAML with data fields and a client certificate") {
  const std::string yaml =
      "apiVersion: v1\nkind: Config\ncurrent-context: karmada\nclusters:\n- name: karmada-apiserver\n"
      "  cluster:\n    server: https://karmada.example:5443/\n    certificate-authority-data: " +
      b64(server.ca_pem()) +
      "\nusers:\n- name: admin\n  user:\n    client-certificate-data: " + b64(server.client_cert_pem()) +
      "\n    client-key-data: " + b64(server.client_key_pem()) +
      "\ncontexts:\n- name: karmada\n  context:\n    cluster: karmada-apiserver\n    user: admin\n";
  testing::TempDir dir;
  std::ofstream(dir.path() / "config") << yaml;
  auto c = load_kubeconfig(dir.path() / "config");
  REQUIRE(c.ok());
  CHECK(c->server == "https://karmada.example:5443");
  CHECK(c->host == "karmada.example");
  CHECK(c->port == 5443);
  CHECK(c->ca_pem == server.ca_pem());
  CHECK(c->client_cert_pem == server.client_cert_pem());
  CHECK(c->client_key_pem == server.client_key_pem());
  CHECK(c->token.empty());
  CHECK_THAT(c->source, Contains("context karmada"));
}

TEST_CASE_METHOD(Fixture, "kubeconfig: files relative to the kubeconfig, token, tokenFile wins") {
  testing::TempDir dir;
  std::ofstream(dir.path() / "ca.crt") << server.ca_pem();
  std::ofstream(dir.path() / "token") << "from-file\n";
  json cluster = {{"server", "https://[::1]:6443"}, {"certificate-authority", "ca.crt"}};
  auto c = parse_kubeconfig(config(cluster, {{"token", "inline"}, {"tokenFile", "token"}}), dir.path());
  REQUIRE(c.ok());
  CHECK(c->ca_pem == server.ca_pem());
  CHECK(c->host == "::1");
  CHECK(c->server == "https://[::1]:6443");
  CHECK(c->token == "from-file");
  CHECK(c->token_file == dir.path() / "token");
  auto inline_only = parse_kubeconfig(config(cluster, {{"token", "inline"}}), dir.path());
  REQUIRE(inline_only.ok());
  CHECK(inline_only->token == "inline");
}

TEST_CASE_METHOD(Fixture, "kubeconfig: --context overrides current-context") {
  json doc = config(good_cluster(), {{"token", "t"}});
  doc["users"].push_back({{"name", "nobody"}, {"user", {{"token", "n"}}}});
  auto c = parse_kubeconfig(doc, ".", "other");
  REQUIRE(c.ok());
  CHECK(c->token == "n");
  CHECK_THAT(error_of(parse_kubeconfig(doc, ".", "missing")),
             Contains("contexts: no entry named \"missing\" (wanted by --context)"));
}

TEST_CASE_METHOD(Fixture, "kubeconfig: insecure-skip-tls-verify is honoured with a warning") {
  auto c =
      parse_kubeconfig(config({{"server", "https://h"}, {"insecure-skip-tls-verify", true}}, {{"token", "t"}}), ".");
  REQUIRE(c.ok());
  CHECK(c->insecure_skip_tls_verify);
  CHECK(c->port == 443);
  REQUIRE(c->warnings.size() == 1);
  CHECK_THAT(c->warnings[0], Contains("clusters[\"k\"].cluster.insecure-skip-tls-verify") && Contains("NOT verified"));
}

TEST_CASE_METHOD(Fixture, "kubeconfig: errors name the field") {
  const json user = {{"token", "t"}};
  json no_current = config(good_cluster(), user);
  no_current.erase("current-context");
  CHECK_THAT(error_of(parse_kubeconfig(no_current, ".")), Contains("current-context: not set"));

  json dangling = config(good_cluster(), user);
  dangling["contexts"][0]["context"]["cluster"] = "gone";
  CHECK_THAT(error_of(parse_kubeconfig(dangling, ".")),
             Contains("clusters: no entry named \"gone\" (wanted by contexts[\"main\"].context.cluster)"));

  json no_server = good_cluster();
  no_server.erase("server");
  CHECK_THAT(error_of(parse_kubeconfig(config(no_server, user), ".")),
             Contains("clusters[\"k\"].cluster.server: required"));

  json http = good_cluster();
  http["server"] = "http://127.0.0.1:8080";
  CHECK_THAT(error_of(parse_kubeconfig(config(http, user), ".")),
             Contains("clusters[\"k\"].cluster.server: \"http://127.0.0.1:8080\": must be an https:// URL"));

  json bad_ca = good_cluster();
  bad_ca["certificate-authority-data"] = "%%%";
  CHECK_THAT(error_of(parse_kubeconfig(config(bad_ca, user), ".")),
             Contains("clusters[\"k\"].cluster.certificate-authority-data: not valid base64"));

  json not_pem = good_cluster();
  not_pem["certificate-authority-data"] = b64("hello");
  CHECK_THAT(error_of(parse_kubeconfig(config(not_pem, user), ".")),
             Contains("clusters[\"k\"].cluster.certificate-authority: not a PEM certificate"));

  json both = good_cluster();
  both["certificate-authority"] = "/etc/ca.crt";
  CHECK_THAT(error_of(parse_kubeconfig(config(both, user), ".")), Contains("give only one of them"));

  json insecure_with_ca = good_cluster();
  insecure_with_ca["insecure-skip-tls-verify"] = true;
  CHECK_THAT(error_of(parse_kubeconfig(config(insecure_with_ca, user), ".")),
             Contains("clusters[\"k\"].cluster.insecure-skip-tls-verify: cannot be true together"));

  CHECK_THAT(error_of(parse_kubeconfig(
                 config(good_cluster(), {{"client-certificate-data", b64(server.client_cert_pem())}}), ".")),
             Contains("users[\"u\"].user.client-key: required together with client-certificate"));
  CHECK_THAT(
      error_of(parse_kubeconfig(config(good_cluster(), {{"client-certificate-data", b64(server.client_cert_pem())},
                                                        {"client-key-data", "@@@@"}}),
                                ".")),
      Contains("users[\"u\"].user.client-key-data: not valid base64"));
  CHECK_THAT(error_of(parse_kubeconfig(config(good_cluster(), {{"client-certificate-data", b64(server.ca_pem())},
                                                               {"client-key-data", b64(server.client_key_pem())}}),
                                       ".")),
             Contains("users[\"u\"].user.client-key: does not belong to client-certificate"));
  CHECK_THAT(error_of(parse_kubeconfig(config(good_cluster(), {{"exec", {{"command", "aws"}}}}), ".")),
             Contains("users[\"u\"].user.exec: not supported"));
  CHECK_THAT(error_of(parse_kubeconfig(config(good_cluster(), {{"tokenFile", "/nonexistent/token"}}), ".")),
             Contains("users[\"u\"].user.tokenFile: cannot read /nonexistent/token"));
  CHECK_THAT(error_of(parse_kubeconfig(config(good_cluster(), {{"token", 5}}), ".")),
             Contains("users[\"u\"].user.token: must be a string"));
}

TEST_CASE("kubeconfig: file errors name the file") {
  testing::TempDir dir;
  CHECK_THAT(error_of(load_kubeconfig(dir.path() / "absent")), Contains("absent"));
  std::ofstream(dir.path() / "broken") << "clusters: [\n";
  CHECK_THAT(error_of(load_kubeconfig(dir.path() / "broken")), Contains("kubeconfig") && Contains("broken"));
  std::ofstream(dir.path() / "list") << "- a\n";
  CHECK_THAT(error_of(load_kubeconfig(dir.path() / "list")), Contains("not a kubeconfig"));
}

TEST_CASE_METHOD(Fixture, "in-cluster: service-account token and CA, KUBERNETES_SERVICE_HOST/PORT") {
  testing::TempDir dir;
  std::ofstream(dir.path() / "token") << "sa-token\n";
  std::ofstream(dir.path() / "ca.crt") << server.ca_pem();
  const InClusterPaths paths{dir.path() / "token", dir.path() / "ca.crt"};
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto c = in_cluster_config(paths, lookup);
  REQUIRE(c.ok());
  CHECK(c->server == "https://10.96.0.1:443");
  CHECK(c->token == "sa-token");
  CHECK(c->token_file == dir.path() / "token");
  CHECK(c->ca_pem == server.ca_pem());

  env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  auto v6 = in_cluster_config(paths, lookup);
  REQUIRE(v6.ok());
  CHECK(v6->server == "https://[fd00::1]:443");

  env.erase("KUBERNETES_SERVICE_PORT");
  CHECK_THAT(error_of(in_cluster_config(paths, lookup)), Contains("KUBERNETES_SERVICE_PORT"));
  env["KUBERNETES_SERVICE_PORT"] = "443";
  CHECK_THAT(error_of(in_cluster_config({dir.path() / "none", paths.ca}, lookup)), Contains("service-account token"));
}

TEST_CASE("resolve_kube_connection: exactly one source") {
  CHECK_THAT(error_of(resolve_kube_connection("k", "", true)), Contains("exclude each other"));
  CHECK_THAT(error_of(resolve_kube_connection("", "ctx", false)), Contains("--context needs --kubeconfig"));
  CHECK_THAT(error_of(resolve_kube_connection("", "", false)), Contains("--kubeconfig"));
}

}  // namespace
}  // namespace cell0::kube
