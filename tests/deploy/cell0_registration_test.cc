// The `cell0` half (the zone rules on the Cell0 kube-apiserver) and the karmada-apiserver half's
// admission registrations, both checked against the rules the apiserver applies to
// admissionregistration.k8s.io/v1 objects (ValidateMutatingWebhookConfiguration /
// ValidateValidatingWebhookConfiguration), then the cell0 half's own promises.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

#include "tests/deploy/rendered_install.h"

using nlohmann::json;
using namespace cell0::testing;

namespace {

const std::regex kDns1123Subdomain(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");

bool one_of(const json& v, std::initializer_list<const char*> allowed) {
  if (!v.is_string()) return false;
  for (const char* a : allowed) {
    if (v == a) return true;
  }
  return false;
}

std::vector<std::string> selector_errors(const json& selector, const std::string& at) {
  std::vector<std::string> errors;
  if (!selector.is_object()) return {at + ": must be a label selector"};
  for (const auto& e : selector.value("matchExpressions", json::array())) {
    const std::string op = e.value("operator", "");
    const json values = e.value("values", json::array());
    if (!one_of(e["operator"], {"In", "NotIn", "Exists", "DoesNotExist"})) errors.push_back(at + ": operator " + op);
    if ((op == "In" || op == "NotIn") && values.empty()) errors.push_back(at + ": " + op + " needs values");
    if ((op == "Exists" || op == "DoesNotExist") && !values.empty())
      errors.push_back(at + ": " + op + " takes no values");
  }
  return errors;
}

// What the apiserver refuses in a v1 Mutating/ValidatingWebhookConfiguration.
std::vector<std::string> registration_errors(const json& config) {
  std::vector<std::string> errors;
  const bool mutating = config.value("kind", "") == "MutatingWebhookConfiguration";
  if (config.value("apiVersion", "") != "admissionregistration.k8s.io/v1") errors.push_back("apiVersion");
  std::set<std::string> names;
  for (const auto& hook : config.value("webhooks", json::array())) {
    const std::string name = hook.value("name", "");
    const std::string at = "webhooks[" + name + "]";
    // A fully qualified name: a DNS-1123 subdomain of at least three segments.
    if (!std::regex_match(name, kDns1123Subdomain) || std::count(name.begin(), name.end(), '.') < 2) {
      errors.push_back(at + ": name must be a DNS subdomain with at least three segments");
    }
    if (!names.insert(name).second) errors.push_back(at + ": duplicate name");
    const json versions = hook.value("admissionReviewVersions", json::array());
    if (std::find(versions.begin(), versions.end(), "v1") == versions.end())
      errors.push_back(at + ": admissionReviewVersions needs v1");
    if (!one_of(hook.value("sideEffects", json()), {"None", "NoneOnDryRun"}))
      errors.push_back(at + ": sideEffects None|NoneOnDryRun");
    if (hook.contains("timeoutSeconds") && (hook["timeoutSeconds"] < 1 || hook["timeoutSeconds"] > 30)) {
      errors.push_back(at + ": timeoutSeconds 1..30");
    }
    if (hook.contains("failurePolicy") && !one_of(hook["failurePolicy"], {"Ignore", "Fail"}))
      errors.push_back(at + ": failurePolicy");
    if (hook.contains("matchPolicy") && !one_of(hook["matchPolicy"], {"Exact", "Equivalent"}))
      errors.push_back(at + ": matchPolicy");
    if (hook.contains("reinvocationPolicy") &&
        (!mutating || !one_of(hook["reinvocationPolicy"], {"Never", "IfNeeded"}))) {
      errors.push_back(at + ": reinvocationPolicy (mutating only, Never|IfNeeded)");
    }
    const json client = hook.value("clientConfig", json::object());
    if (client.contains("url") == client.contains("service"))
      errors.push_back(at + ": clientConfig needs exactly one of url, service");
    if (client.contains("url")) {
      const std::string url = client["url"];
      if (!url.starts_with("https://") || url.find_first_of("?#") != std::string::npos)
        errors.push_back(at + ": url https, no query");
    }
    if (client.contains("service")) {
      const json& svc = client["service"];
      if (svc.value("name", "").empty() || svc.value("namespace", "").empty())
        errors.push_back(at + ": service name, namespace");
      if (svc.contains("path") && !svc["path"].get<std::string>().starts_with("/"))
        errors.push_back(at + ": service path");
      if (svc.contains("port") && (svc["port"] < 1 || svc["port"] > 65535)) errors.push_back(at + ": service port");
    }
    for (const auto& rule : hook.value("rules", json::array())) {
      for (const char* list : {"apiGroups", "apiVersions", "operations", "resources"}) {
        if (!rule.contains(list) || !rule[list].is_array() || rule[list].empty())
          errors.push_back(at + ": rule " + list + " empty");
      }
      for (const auto& op : rule.value("operations", json::array())) {
        if (!one_of(op, {"*", "CREATE", "UPDATE", "DELETE", "CONNECT"}))
          errors.push_back(at + ": operation " + op.dump());
      }
      if (rule.contains("scope") && !one_of(rule["scope"], {"*", "Cluster", "Namespaced"}))
        errors.push_back(at + ": scope");
    }
    for (const char* selector : {"namespaceSelector", "objectSelector"}) {
      if (!hook.contains(selector)) continue;
      for (auto& e : selector_errors(hook[selector], at + "." + selector)) errors.push_back(e);
    }
  }
  return errors;
}

}  // namespace

TEST_CASE("the registration rules find what the apiserver would reject", "[deploy][schema]") {
  const json good =
      json::parse(R"({"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration",
    "webhooks":[{"name":"a.b.io","admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Ignore",
      "clientConfig":{"service":{"name":"s","namespace":"n","path":"/mutate","port":443}},
      "rules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["pods"],"scope":"Namespaced"}],
      "objectSelector":{"matchExpressions":[{"key":"k","operator":"NotIn","values":["skip"]}]}}]})");
  CHECK(registration_errors(good).empty());
  auto broken = [&](const std::function<void(json&)>& change) {
    json c = good;
    change(c["webhooks"][0]);
    return registration_errors(c).size();
  };
  CHECK(broken([](json& h) { h["name"] = "two.segments"; }) == 1);
  CHECK(broken([](json& h) { h["sideEffects"] = "Some"; }) == 1);
  CHECK(broken([](json& h) { h["failurePolicy"] = "ignore"; }) == 1);
  CHECK(broken([](json& h) { h["clientConfig"]["url"] = "https://x/p"; }) == 1);
  CHECK(broken([](json& h) { h["rules"][0]["operations"] = json::array({"PATCH"}); }) == 1);
  CHECK(broken([](json& h) { h["objectSelector"]["matchExpressions"][0]["values"] = json::array(); }) == 1);
  CHECK(broken([](json& h) { h["timeoutSeconds"] = 31; }) == 1);
}

TEST_CASE("every admission registration of both API servers passes the apiserver's rules", "[deploy][schema]") {
  const auto& r = rendered_install();
  if (!r.skip_reason.empty()) {
    WARN(r.skip_reason);
    return;
  }
  int checked = 0;
  for (const char* half : {"overlays/karmada/karmada-apiserver", "overlays/karmada/cell0",
                           "overlays/cert-manager/karmada-apiserver", "overlays/cert-manager/cell0"}) {
    for (const char* kind : {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}) {
      for (const auto& config : select(r.objects.at(half), kind)) {
        INFO(half << " " << kind);
        for (const auto& e : registration_errors(config)) FAIL_CHECK(e);
        ++checked;
      }
    }
  }
  CHECK(checked == 8);
}

TEST_CASE("cell0 half: pods and apps/v1 workloads, fail open, an escape label, the CA, the Service", "[deploy]") {
  const auto& r = rendered_install();
  if (!r.skip_reason.empty()) {
    WARN(r.skip_reason);
    return;
  }
  const auto& half = r.objects.at("overlays/karmada/cell0");
  const json* mutating = find_one(half, "MutatingWebhookConfiguration", "cell0-webhook-zones");
  const json* validating = find_one(half, "ValidatingWebhookConfiguration", "cell0-webhook-zones");
  REQUIRE(mutating != nullptr);
  REQUIRE(validating != nullptr);
  std::set<std::string> mutated, validated;
  for (const auto* config : {mutating, validating}) {
    for (const auto& hook : (*config)["webhooks"]) {
      INFO(hook["name"]);
      CHECK(hook["failurePolicy"] == "Ignore");  // a webhook outage must not stop etcd or the CNI
      CHECK(
          hook["objectSelector"] ==
          json::parse(
              R"({"matchExpressions":[{"key":"cell0.ccos.io/zone-policies","operator":"NotIn","values":["skip"]}]})"));
      CHECK_FALSE(hook.contains("namespaceSelector"));  // opt-in by annotation is not a label
      CHECK_FALSE(hook["clientConfig"]["caBundle"].get<std::string>().empty());
      const json& svc = hook["clientConfig"]["service"];
      CHECK(svc["name"] == "cell0-webhook");
      CHECK(svc["namespace"] == "karmada-system");
      CHECK(svc["path"] == (config == mutating ? "/mutate" : "/validate"));
      for (const auto& rule : hook["rules"]) {
        for (const auto& res : rule["resources"]) {
          const std::string what = rule["apiGroups"][0].get<std::string>() + "/" +
                                   rule["apiVersions"][0].get<std::string>() + " " + res.get<std::string>() + " " +
                                   rule["operations"].dump();
          (config == mutating ? mutated : validated).insert(what);
        }
      }
    }
  }
  CHECK(mutated == std::set<std::string>{"/v1 pods [\"CREATE\"]"});
  CHECK(validated == std::set<std::string>{"/v1 pods [\"CREATE\"]", "apps/v1 deployments [\"CREATE\",\"UPDATE\"]",
                                           "apps/v1 statefulsets [\"CREATE\",\"UPDATE\"]"});
  const json* role = find_one(half, "ClusterRole", "cell0-webhook-namespaces");
  REQUIRE(role != nullptr);
  CHECK((*role)["rules"] ==
        json::parse(R"([{"apiGroups":[""],"resources":["namespaces"],"verbs":["get","list","watch"]}])"));
  const json* binding = find_one(half, "ClusterRoleBinding", "cell0-webhook-namespaces");
  REQUIRE(binding != nullptr);
  CHECK((*binding)["subjects"] ==
        json::parse(R"([{"kind":"ServiceAccount","name":"cell0-webhook","namespace":"karmada-system"}])"));
  // The Service the registrations name is the host half's, and the pods use the bound account.
  const auto& host = r.objects.at("overlays/karmada/host");
  CHECK(find_one(host, "Service", "cell0-webhook") != nullptr);
  const json* deployment = find_one(host, "Deployment", "cell0-webhook");
  REQUIRE(deployment != nullptr);
  CHECK((*deployment)["spec"]["template"]["spec"]["serviceAccountName"] == "cell0-webhook");
  const json args = (*deployment)["spec"]["template"]["spec"]["containers"][0]["args"];
  CHECK(std::find(args.begin(), args.end(), "--cell0-in-cluster") != args.end());
}
