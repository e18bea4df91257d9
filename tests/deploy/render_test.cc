// The rendered install: every kustomization renders offline, each half holds what its API server
// gets, and the registrations, the Deployment and the certificates agree with each other and
// with what `serve` does.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <set>

#include "certs/pem.h"
#include "common/base64.h"
#include "common/yaml_json.h"
#include "policies/policy_config.h"
#include "tests/deploy/rendered_install.h"

using nlohmann::json;
using namespace cell0::testing;
namespace fs = std::filesystem;

#define SKIP_UNLESS_RENDERED(r)   \
  if (!(r).skip_reason.empty()) { \
    WARN((r).skip_reason);        \
    return;                       \
  }

namespace {

const char* const kOverlays[] = {"overlays/karmada", "overlays/cert-manager"};

std::string label(const json& o, const std::string& key) {
  const json labels = o["metadata"].value("labels", json::object());
  return labels.value(key, "");
}

std::set<std::string> kinds(const std::vector<json>& objects) {
  std::set<std::string> out;
  for (const auto& o : objects) out.insert(o.value("kind", ""));
  return out;
}

std::string decode(const std::string& base64) {
  std::string compact;
  for (char c : base64) {
    if (c != '\n' && c != '\r') compact += c;
  }
  auto decoded = cell0::common::base64_decode(compact);
  return decoded ? *decoded : std::string{};
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("every kustomization under deploy/ renders offline", "[deploy]") {
  const auto& r = rendered_install();
  SKIP_UNLESS_RENDERED(r);
  for (const auto& [dir, error] : r.errors) FAIL_CHECK(dir << ": " << error);
  for (const char* dir :
       {"base", "base/host", "base/karmada-apiserver", "base/cell0", "overlays/karmada", "overlays/karmada/host",
        "overlays/karmada/karmada-apiserver", "overlays/karmada/cell0", "overlays/cert-manager",
        "overlays/cert-manager/host", "overlays/cert-manager/karmada-apiserver", "overlays/cert-manager/cell0"}) {
    INFO(dir);
    CHECK(r.objects.count(dir) == 1);
  }
}

TEST_CASE("each half of an overlay holds only what its API server gets", "[deploy]") {
  const auto& r = rendered_install();
  SKIP_UNLESS_RENDERED(r);
  const bool has_crds = fs::exists(fs::path(CELL0_SOURCE_DIR) / "deploy/crds/anydoor.ccos.io_anydoorgateways.yaml");
  for (const std::string overlay : kOverlays) {
    INFO(overlay);
    REQUIRE(r.objects.count(overlay + "/host") == 1);
    REQUIRE(r.objects.count(overlay + "/karmada-apiserver") == 1);
    const auto& host = r.objects.at(overlay + "/host");
    const auto& api = r.objects.at(overlay + "/karmada-apiserver");
    REQUIRE(r.objects.count(overlay + "/cell0") == 1);
    const auto& zones_half = r.objects.at(overlay + "/cell0");
    CHECK(r.objects.at(overlay).size() == host.size() + api.size() + zones_half.size());

    for (const auto& o : host) CHECK(label(o, "cell0.ccos.io/apply-to") == "host");
    for (const auto& o : api) CHECK(label(o, "cell0.ccos.io/apply-to") == "karmada-apiserver");
    for (const auto& o : zones_half) CHECK(label(o, "cell0.ccos.io/apply-to") == "cell0");
    CHECK(kinds(zones_half) == std::set<std::string>{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
                                                     "ClusterRole", "ClusterRoleBinding"});
    for (const auto& o : r.objects.at(overlay)) {
      CHECK_FALSE(o["metadata"].value("annotations", json::object()).contains("config.kubernetes.io/local-config"));
    }

    const auto host_kinds = kinds(host);
    for (const char* k : {"ServiceAccount", "Deployment", "PodDisruptionBudget", "Service", "ConfigMap"}) {
      INFO(k);
      CHECK(host_kinds.count(k) == 1);
    }
    CHECK(find_one(host, "ConfigMap", "cell0-webhook-customizations") != nullptr);
    CHECK(find_one(host, "ConfigMap", "cell0-webhook-policy") != nullptr);

    const auto api_kinds = kinds(api);
    for (const char* k :
         {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ResourceInterpreterWebhookConfiguration",
          "ClusterRole", "ClusterRoleBinding", "ServiceAccount"}) {
      INFO(k);
      CHECK(api_kinds.count(k) == 1);
    }
    CHECK(api_kinds.count("Deployment") == 0);
    CHECK(api_kinds.count("Service") == 0);
    if (has_crds) CHECK(find_one(api, "CustomResourceDefinition", "anydoorgateways.anydoor.ccos.io") != nullptr);
    // No private key ever goes to karmada-apiserver.
    for (const auto& s : select(api, "Secret")) {
      INFO(s["metadata"]["name"]);
      CHECK(s.value("type", "") != "kubernetes.io/tls");
      const json data = s.value("data", json::object());
      for (const auto& [key, value] : data.items()) CHECK_FALSE(key.ends_with(".key"));
    }
  }

  const auto& generated = r.objects.at("overlays/karmada/host");
  const json* tls = find_one(generated, "Secret", "cell0-webhook-tls");
  REQUIRE(tls != nullptr);
  CHECK((*tls)["type"] == "kubernetes.io/tls");
  for (const char* k : {"tls.crt", "tls.key", "ca.crt"}) CHECK((*tls)["data"].contains(k));

  const auto& managed = r.objects.at("overlays/cert-manager/host");
  CHECK(find_one(managed, "Secret", "cell0-webhook-tls") == nullptr);  // cert-manager writes it
  CHECK(find_one(managed, "Secret", "cell0-webhook-ca") != nullptr);
  CHECK(find_one(managed, "Issuer", "cell0-webhook-ca") != nullptr);
  const json* certificate = find_one(managed, "Certificate", "cell0-webhook");
  REQUIRE(certificate != nullptr);
  CHECK((*certificate)["spec"]["secretName"] == "cell0-webhook-tls");
  CHECK((*certificate)["spec"]["dnsNames"] ==
        json({"cell0-webhook", "cell0-webhook.karmada-system", "cell0-webhook.karmada-system.svc",
              "cell0-webhook.karmada-system.svc.cluster.local"}));
}

TEST_CASE("registrations carry the CA that signed the serving certificate and name the Service", "[deploy]") {
  const auto& r = rendered_install();
  SKIP_UNLESS_RENDERED(r);
  for (const std::string overlay : kOverlays) {
    INFO(overlay);
    const std::string ca_pem = read_file(r.deploy / overlay / "certs" / "ca.crt");
    REQUIRE_FALSE(ca_pem.empty());
    const auto& host = r.objects.at(overlay + "/host");
    const json* service = find_one(host, "Service", "cell0-webhook");
    REQUIRE(service != nullptr);
    const std::string service_host = (*service)["metadata"]["name"].get<std::string>() + "." +
                                     (*service)["metadata"]["namespace"].get<std::string>() + ".svc";
    CHECK((*service)["spec"]["ports"][0]["port"] == 443);

    for (const char* kind : {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
                             "ResourceInterpreterWebhookConfiguration"}) {
      for (const auto& config : select(r.objects.at(overlay + "/karmada-apiserver"), kind)) {
        for (const auto& hook : config["webhooks"]) {
          INFO(kind << " " << hook["name"]);
          const json& client = hook["clientConfig"];
          CHECK(decode(client.value("caBundle", "")) == ca_pem);
          const std::string url = client.value("url", "");
          CHECK(url.starts_with("https://" + service_host + ":443/"));
        }
      }
    }
  }

  // The generated serving certificate chains to that CA and covers the URL's host name.
  const auto& host = r.objects.at("overlays/karmada/host");
  const json* tls = find_one(host, "Secret", "cell0-webhook-tls");
  REQUIRE(tls != nullptr);
  auto cert = cell0::certs::parse_certificate(decode((*tls)["data"]["tls.crt"]));
  auto ca = cell0::certs::parse_certificate(decode((*tls)["data"]["ca.crt"]));
  REQUIRE(cert.ok());
  REQUIRE(ca.ok());
  CHECK(cell0::certs::verify_chain(ca->get(), cert->get()).ok());
  const auto sans = cell0::certs::subject_alt_names(cert->get());
  CHECK(std::find(sans.begin(), sans.end(), "cell0-webhook.karmada-system.svc") != sans.end());
}

TEST_CASE("admission registrations: PropagationPolicies, v1, no side effects, 3 s, fail closed", "[deploy]") {
  const auto& r = rendered_install();
  SKIP_UNLESS_RENDERED(r);
  const auto& api = r.objects.at("overlays/karmada/karmada-apiserver");
  for (const char* kind : {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}) {
    const auto configs = select(api, kind);
    REQUIRE(configs.size() == 1);
    REQUIRE_FALSE(configs[0]["webhooks"].empty());
    for (const auto& hook : configs[0]["webhooks"]) {
      INFO(kind << " " << hook["name"]);
      CHECK(hook["sideEffects"] == "None");
      CHECK(hook["admissionReviewVersions"] == json({"v1"}));
      CHECK(hook["timeoutSeconds"] == 3);
      CHECK(hook["failurePolicy"] == "Fail");
      if (std::string(kind) == "MutatingWebhookConfiguration") {
        CHECK(hook["reinvocationPolicy"] == "IfNeeded");
      } else {
        CHECK_FALSE(hook.contains("reinvocationPolicy"));
      }
      if (hook["name"] == "resourcebindings.validate.cell0.ccos.io") continue;  // the majority gate, below
      std::set<std::string> resources;
      for (const auto& rule : hook["rules"]) {
        CHECK(rule["apiGroups"] == json({"policy.karmada.io"}));
        CHECK(rule["operations"] == json({"CREATE", "UPDATE"}));
        for (const auto& res : rule["resources"]) resources.insert(res.get<std::string>());
      }
      CHECK(resources == std::set<std::string>{"propagationpolicies", "clusterpropagationpolicies"});
    }
  }
}

TEST_CASE("the majority gate registration: binding UPDATEs (never /status) of the default majority.kinds only",
          "[deploy][majority]") {
  const auto& r = rendered_install();
  SKIP_UNLESS_RENDERED(r);
  const auto& api = r.objects.at("overlays/karmada/karmada-apiserver");
  const auto mutating = select(api, "MutatingWebhookConfiguration");
  REQUIRE(mutating.size() == 1);
  for (const auto& hook : mutating[0]["webhooks"]) CHECK(hook["name"] != "resourcebindings.validate.cell0.ccos.io");
  const auto configs = select(api, "ValidatingWebhookConfiguration");
  REQUIRE(configs.size() == 1);
  const json* gate = nullptr;
  for (const auto& hook : configs[0]["webhooks"]) {
    if (hook["name"] == "resourcebindings.validate.cell0.ccos.io") gate = &hook;
  }
  REQUIRE(gate != nullptr);
  CHECK((*gate)["clientConfig"]["url"] == "https://cell0-webhook.karmada-system.svc:443/validate");
  CHECK((*gate)["matchPolicy"] == "Equivalent");  // v1alpha1 bindings arrive converted
  REQUIRE((*gate)["rules"].size() == 1);
  const json& rule = (*gate)["rules"][0];
  CHECK(rule["apiGroups"] == json({"work.karmada.io"}));
  CHECK(rule["operations"] == json({"UPDATE"}));
  // Exactly the two resources: "resourcebindings/status" or "*/*" would send the scheduler's own
  // condition writes through the gate.
  CHECK(rule["resources"] == json({"resourcebindings", "clusterresourcebindings"}));

  // The matchConditions admit exactly the default majority.kinds, the ones the webhook judges.
  const auto defaults = cell0::policies::parse_policy(nullptr);
  REQUIRE(defaults.ok());
  std::string wanted;
  for (const auto& k : defaults->majority.kinds) {
    if (!wanted.empty()) wanted += " || ";
    wanted +=
        "(object.spec.resource.apiVersion == '" + k.api_version + "' && object.spec.resource.kind == '" + k.kind + "')";
  }
  REQUIRE((*gate)["matchConditions"].size() == 1);
  std::string expression = (*gate)["matchConditions"][0]["expression"];
  std::string collapsed;
  for (char c : expression) {
    if (c == '\n' || c == ' ') {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  CHECK(collapsed == wanted);

  // The shipped policy file says the same kinds.
  const auto& host = r.objects.at("overlays/karmada/host");
  const json* policy_map = find_one(host, "ConfigMap", "cell0-webhook-policy");
  REQUIRE(policy_map != nullptr);
  const auto& data = (*policy_map)["data"];
  REQUIRE(data.size() == 1);
  const auto documents = cell0::common::parse_yaml_documents(data.begin()->get<std::string>());
  REQUIRE(documents.ok());
  const auto shipped = cell0::policies::parse_policy(documents->at(0));
  INFO((shipped ? "" : shipped.error().message));
  REQUIRE(shipped.ok());
  CHECK(shipped->majority.kinds == defaults->majority.kinds);
}
