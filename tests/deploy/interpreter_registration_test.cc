// The ResourceInterpreterWebhookConfiguration: valid against Karmada's CRD schema and Karmada's
// own validation rules, and asking for exactly the kinds and operations the bundled
// customizations implement.
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>

#include "common/yaml_json.h"
#include "interpreters/registry.h"
#include "tests/deploy/rendered_install.h"
#include "tests/support/schema_validator.h"

using nlohmann::json;
using namespace cell0::testing;
namespace fs = std::filesystem;

namespace {

json riwc_crd_schema() {
  return load_crd_schema(fs::path(CELL0_SHARED_DIR) /
                         "karmada-crds/config.karmada.io_resourceinterpreterwebhookconfigurations.yaml");
}

// karmada-webhook's checks of a ResourceInterpreterWebhookConfiguration (pkg/webhook/configuration).
std::vector<std::string> karmada_validation(const json& config) {
  static const std::set<std::string> kOperations = {
      "*",      "InterpretReplica", "InterpretComponent", "InterpretDependency", "ReviseReplica",
      "Retain", "AggregateStatus",  "InterpretStatus",    "InterpretHealth"};
  static const std::regex kFqdn(R"(^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$)");
  std::vector<std::string> errors;
  std::set<std::string> names;
  auto star_alone = [&](const json& list, const std::string& what) {
    if (list.empty()) errors.push_back(what + " is empty");
    for (const auto& v : list) {
      if (v == "*" && list.size() > 1) errors.push_back(what + ": '*' must be alone");
    }
  };
  for (const auto& hook : config["webhooks"]) {
    const std::string name = hook.value("name", "");
    if (!std::regex_match(name, kFqdn)) errors.push_back("name " + name + " is not a fully qualified domain name");
    if (!names.insert(name).second) errors.push_back("duplicate name " + name);
    const json& client = hook["clientConfig"];
    if (client.contains("url") == client.contains("service"))
      errors.push_back(name + ": exactly one of url and service");
    if (client.contains("url") && !client["url"].get<std::string>().starts_with("https://"))
      errors.push_back(name + ": url must be https");
    for (const auto& rule : hook.value("rules", json::array())) {
      star_alone(rule["operations"], name + " operations");
      for (const auto& op : rule["operations"]) {
        if (kOperations.count(op.get<std::string>()) == 0) errors.push_back(name + ": unknown operation " + op.dump());
      }
      star_alone(rule["apiGroups"], name + " apiGroups");
      star_alone(rule["apiVersions"], name + " apiVersions");
      star_alone(rule["kinds"], name + " kinds");
      for (const auto& v : rule["apiVersions"]) {
        if (v == "") errors.push_back(name + ": empty apiVersion");
      }
      for (const auto& k : rule["kinds"]) {
        if (k == "") errors.push_back(name + ": empty kind");
      }
    }
    if (hook.contains("timeoutSeconds") && (hook["timeoutSeconds"] < 1 || hook["timeoutSeconds"] > 30)) {
      errors.push_back(name + ": timeoutSeconds must be in 1..30");
    }
    const json versions = hook.value("interpreterContextVersions", json::array());
    if (std::find(versions.begin(), versions.end(), "v1alpha1") == versions.end()) {
      errors.push_back(name + ": interpreterContextVersions must include v1alpha1");
    }
  }
  return errors;
}

}  // namespace

TEST_CASE("the structural schema check finds what the apiserver would reject", "[deploy][schema]") {
  const json schema = riwc_crd_schema();
  const json good =
      json::parse(R"({"apiVersion":"config.karmada.io/v1alpha1","kind":"ResourceInterpreterWebhookConfiguration",
    "metadata":{"name":"x","labels":{"a":"b"}},
    "webhooks":[{"name":"a.b.io","clientConfig":{"url":"https://h/p","caBundle":"LS0tCg=="},
      "rules":[{"operations":["InterpretReplica"],"apiGroups":[""],"apiVersions":["v1"],"kinds":["Pod"]}],
      "interpreterContextVersions":["v1alpha1"],"timeoutSeconds":3}]})");
  CHECK(schema_errors(good, schema).empty());

  json bad = good;
  bad["webhooks"][0]["timeoutSeconds"] = "3";
  bad["webhooks"][0]["failurePolicy"] = "Fail";
  bad["webhooks"][0]["clientConfig"]["caBundle"] = "not base64!";
  bad["webhooks"][0]["rules"][0].erase("kinds");
  bad["webhooks"][0].erase("name");
  const auto errors = schema_errors(bad, schema);
  CHECK(errors.size() == 5);
  const std::string all = json(errors).dump();
  CHECK_THAT(all, Catch::Contains("webhooks[0].timeoutSeconds: must be of type integer"));
  CHECK_THAT(all, Catch::Contains("webhooks[0].failurePolicy: unknown field"));
  CHECK_THAT(all, Catch::Contains("webhooks[0].clientConfig.caBundle: must be base64"));
  CHECK_THAT(all, Catch::Contains("webhooks[0].rules[0].kinds: Required value"));
  CHECK_THAT(all, Catch::Contains("webhooks[0].name: Required value"));
  CHECK(schema_errors(json::parse(R"({"kind":"x"})"), schema) == std::vector<std::string>{"webhooks: Required value"});
}

TEST_CASE("the ResourceInterpreterWebhookConfiguration validates against Karmada's CRD and rules", "[deploy]") {
  const auto& r = rendered_install();
  if (!r.skip_reason.empty()) {
    WARN(r.skip_reason);
    return;
  }
  const json schema = riwc_crd_schema();
  for (const char* overlay : {"overlays/karmada/karmada-apiserver", "overlays/cert-manager/karmada-apiserver"}) {
    INFO(overlay);
    const auto configs = select(r.objects.at(overlay), "ResourceInterpreterWebhookConfiguration");
    REQUIRE(configs.size() == 1);
    CHECK_FALSE(configs[0]["metadata"].contains("namespace"));  // cluster-scoped
    const auto errors = schema_errors(configs[0], schema);
    for (const auto& e : errors) FAIL_CHECK(e);
    for (const auto& e : karmada_validation(configs[0])) FAIL_CHECK(e);
    for (const auto& hook : configs[0]["webhooks"]) {
      CHECK(hook["clientConfig"]["url"].get<std::string>().ends_with("/interpreter"));
    }
  }
}

TEST_CASE("the interpreter registration asks for exactly what the bundled customizations implement", "[deploy]") {
  // Read straight from deploy/ (no kubectl needed): the file sync-bundled.sh writes.
  const auto docs = cell0::common::load_yaml_file(fs::path(CELL0_SOURCE_DIR) /
                                                  "deploy/base/karmada-apiserver/interpreter-webhook.yaml");
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  std::map<std::string, std::set<std::string>> registered;  // "group/version/Kind" -> operations
  for (const auto& hook : (*docs)[0]["webhooks"]) {
    for (const auto& rule : hook["rules"]) {
      for (const auto& g : rule["apiGroups"]) {
        for (const auto& v : rule["apiVersions"]) {
          for (const auto& k : rule["kinds"]) {
            auto& ops = registered[g.get<std::string>() + "/" + v.get<std::string>() + "/" + k.get<std::string>()];
            for (const auto& op : rule["operations"]) ops.insert(op.get<std::string>());
          }
        }
      }
    }
  }

  auto registry = cell0::interp::Registry::build({fs::path(CELL0_SOURCE_DIR) / "interpreters/customizations"});
  REQUIRE(registry);
  std::map<std::string, std::set<std::string>> bundled;
  for (const auto& c : (*registry)->all()) {
    const auto slash = c->api_version.find('/');
    const std::string group = slash == std::string::npos ? "" : c->api_version.substr(0, slash);
    const std::string version = slash == std::string::npos ? c->api_version : c->api_version.substr(slash + 1);
    auto& ops = bundled[group + "/" + version + "/" + c->kind];
    for (auto op : cell0::interp::kAllOperations) {
      if (c->rule(op) != nullptr) ops.insert(std::string(cell0::interp::operation_name(op)));
    }
  }
  CHECK(registered == bundled);
}
