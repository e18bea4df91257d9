// Runs every case of golden/ through the chain (see golden_case.h for the format) and checks, on
// top of the expected decision: the JSON Patch applies to the request object and gives the
// result; mutating the result again changes nothing and validating it passes; every resulting
// PropagationPolicy / ClusterPropagationPolicy fits the CRD schema in ../shared/karmada-crds, and
// every ResourceBinding fixture fits the binding CRD; the majority gate's verdict is the expected one.
#include <catch2/catch.hpp>

#include "common/yaml_json.h"
#include "policies/admission_chain.h"
#include "policies/policy_config.h"
#include "tests/policies/golden_case.h"
#include "tests/support/schema_validator.h"

namespace cell0::testing {
namespace {

using nlohmann::json;

const json& binding_schema() {
  // ClusterResourceBinding's spec is the same type (ResourceBindingSpec) as ResourceBinding's.
  static const json rb =
      load_crd_schema(std::string(CELL0_SHARED_DIR) + "/karmada-crds/work.karmada.io_resourcebindings.yaml");
  return rb;
}

const json& crd_schema(const std::string& kind) {
  static const json pp =
      load_crd_schema(std::string(CELL0_SHARED_DIR) + "/karmada-crds/policy.karmada.io_propagationpolicies.yaml");
  static const json cpp = load_crd_schema(std::string(CELL0_SHARED_DIR) +
                                          "/karmada-crds/policy.karmada.io_clusterpropagationpolicies.yaml");
  return kind == "PropagationPolicy" ? pp : cpp;
}

policies::Decision run_stage(const std::string& stage, const policies::AdmissionInput& in, const policies::Policy& p) {
  if (stage == "mutate") return policies::mutate(in, p);
  if (stage == "validate") return policies::validate(in, p);
  return policies::review(in, p);
}

void check_case(const GoldenCase& c) {
  const json& expect = c.doc.at("expect");
  const common::Result<policies::Policy> load = policies::parse_policy(c.doc.value("policy", json()));
  if (expect.contains("policyError")) {
    REQUIRE_FALSE(load.ok());
    INFO(load.error().message);
    CHECK(contains_text(load.error().message, expect["policyError"].get<std::string>()));
    return;
  }
  INFO((load ? "" : load.error().message));
  REQUIRE(load.ok());
  const policies::Policy& policy = *load;

  // Binding fixtures must be bindings Karmada could store.
  for (const json* o : {&c.input.object, &c.input.old_object}) {
    if (!o->is_object() || o->value("apiVersion", "") != "work.karmada.io/v1alpha2") continue;
    const auto errors = schema_errors(*o, binding_schema());
    for (const auto& e : errors) UNSCOPED_INFO("binding schema: " << e);
    CHECK(errors.empty());
  }

  const policies::Decision d = run_stage(c.stage, c.input, policy);
  INFO("message: " << d.message);
  REQUIRE(d.allowed == expect.at("allowed").get<bool>());

  if (!d.allowed) {
    CHECK(contains_text(d.message, expect.at("denial").get<std::string>()));
    if (expect.contains("code")) CHECK(d.code == expect["code"].get<int>());
    CHECK(d.object == c.input.object);
  } else {
    const json wanted = expect.value("unchanged", false) ? c.input.object : expect.at("object");
    INFO("got:\n" << common::to_yaml(d.object) << "expected:\n" << common::to_yaml(wanted));
    CHECK(d.object == wanted);

    if (!c.input.object.is_null()) {
      const json patch = json::diff(c.input.object, d.object);
      INFO("patch: " << patch.dump());
      CHECK(c.input.object.patch(patch) == d.object);
      CHECK(patch.empty() == (c.input.object == d.object));

      policies::AdmissionInput again = c.input;
      again.object = d.object;
      if (c.stage != "validate") {  // idempotence: a second /mutate finds nothing to do
        const policies::Decision second = policies::mutate(again, policy);
        CHECK(second.allowed);
        CHECK(second.object == d.object);
        CHECK(json::diff(d.object, second.object).empty());
      }
      if (c.stage != "mutate") {
        const policies::Decision checked = policies::validate(again, policy);
        INFO("re-validate: " << checked.message);
        CHECK(checked.allowed);
      }
    }
    const std::string kind = d.object.is_object() ? d.object.value("kind", "") : "";
    const bool karmada_policy =
        d.object.is_object() && d.object.value("apiVersion", "") == "policy.karmada.io/v1alpha1";
    if (karmada_policy && (kind == "PropagationPolicy" || kind == "ClusterPropagationPolicy")) {
      const auto errors = schema_errors(d.object, crd_schema(kind));
      for (const auto& e : errors) UNSCOPED_INFO("schema: " << e);
      CHECK(errors.empty());
    }
  }

  const json wanted_warnings = expect.value("warnings", json::array());
  REQUIRE(d.warnings.size() == wanted_warnings.size());
  for (std::size_t i = 0; i < d.warnings.size(); ++i) {
    INFO("warning: " << d.warnings[i]);
    CHECK(contains_text(d.warnings[i], wanted_warnings[i].get<std::string>()));
  }
  if (expect.contains("gate")) {
    REQUIRE(d.majority_gate);
    CHECK(d.majority_gate->kind == expect["gate"].value("kind", ""));
    CHECK(d.majority_gate->result == expect["gate"].value("result", ""));
  } else {
    CHECK_FALSE(d.majority_gate);
  }
  const json audit = expect.value("audit", json::object());
  for (const auto& [rule, text] : audit.items()) {
    INFO("audit " << rule);
    REQUIRE(d.audit_annotations.contains(rule));
    CHECK(contains_text(d.audit_annotations.at(rule), text.get<std::string>()));
  }
}

TEST_CASE("golden admission cases", "[golden]") {
  const auto cases = load_golden_cases();
  REQUIRE(cases.size() >= 30);
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      INFO(c.name << ": " << c.doc.value("description", ""));
      check_case(c);
    }
  }
}

}  // namespace
}  // namespace cell0::testing
