#include "policies/admission_chain.h"

#include <algorithm>

#include "policies/anydoor.h"
#include "policies/cluster_taint.h"
#include "policies/majority_gate.h"
#include "policies/placement_validation.h"
#include "policies/rule_support.h"
#include "policies/tolerations.h"
#include "policies/zone_policy.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

enum class Owned { None, Cluster, PropagationPolicy, ClusterPropagationPolicy, Pod, Deployment, StatefulSet };

Owned owned_kind(const AdmissionInput& in) {
  std::string group = in.group, version = in.version, kind = in.kind;
  if (kind.empty()) {
    const json& obj = in.object.is_object() ? in.object : in.old_object;
    const std::string api_version = string_at(obj, {"apiVersion"});
    const auto slash = api_version.find('/');
    group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
    kind = string_at(obj, {"kind"});
  }
  if (group.empty() && version == "v1" && kind == "Pod") return Owned::Pod;
  if (group == "apps" && version == "v1" && kind == "Deployment") return Owned::Deployment;
  if (group == "apps" && version == "v1" && kind == "StatefulSet") return Owned::StatefulSet;
  if (version != "v1alpha1") return Owned::None;
  if (group == "cluster.karmada.io" && kind == "Cluster") return Owned::Cluster;
  if (group == "policy.karmada.io" && kind == "PropagationPolicy") return Owned::PropagationPolicy;
  if (group == "policy.karmada.io" && kind == "ClusterPropagationPolicy") return Owned::ClusterPropagationPolicy;
  return Owned::None;
}

const char* kind_name(Owned k) {
  switch (k) {
    case Owned::Cluster:
      return "Cluster";
    case Owned::PropagationPolicy:
      return "PropagationPolicy";
    case Owned::ClusterPropagationPolicy:
      return "ClusterPropagationPolicy";
    case Owned::Pod:
      return "Pod";
    case Owned::Deployment:
      return "Deployment";
    case Owned::StatefulSet:
      return "StatefulSet";
    case Owned::None:
      break;
  }
  return "";
}

Decision deny(Decision d, int code, std::string message) {
  d.allowed = false;
  d.code = code;
  d.message = std::move(message);
  return d;
}

Decision run(const AdmissionInput& in, const Policy& policy, Stage stage) {
  Decision d;
  d.object = in.object;
  if (!in.sub_resource.empty()) return d;  // e.g. the scheduler's Scheduled condition via /status
  if (is_resource_binding(in)) return stage == Stage::Validate ? judge_binding(in, policy) : d;
  const Owned owned = owned_kind(in);
  d.owned = owned != Owned::None;
  if (!d.owned || in.operation == Operation::Delete || in.operation == Operation::Connect) return d;
  const std::string kind = kind_name(owned);
  if (!in.object.is_object()) return deny(std::move(d), 400, kind + " " + "request carries no object");
  if (owned == Owned::PropagationPolicy || owned == Owned::ClusterPropagationPolicy) {
    const json* spec = find_path(in.object, {"spec"});
    if (spec && !spec->is_object()) return deny(std::move(d), 400, kind + ": spec must be an object");
    const json* placement = find_path(in.object, {"spec", "placement"});
    if (placement && !placement->is_null() && !placement->is_object()) {
      return deny(std::move(d), 400, kind + ": spec.placement must be an object");
    }
  }
  // The zone rules see pods when they are created (their placement fields are fixed after that).
  if (owned == Owned::Pod && in.operation != Operation::Create) return d;
  if (owned == Owned::Pod) {
    if (auto shape = pod_shape_error(in.object)) return deny(std::move(d), 400, *shape);
  }
  // An object being deleted only loses finalizers; refusing that would block its deletion.
  if (in.operation == Operation::Update && find_path(in.object, {"metadata", "deletionTimestamp"})) return d;

  std::string ns = in.namespace_;
  if (ns.empty()) ns = string_at(in.object, {"metadata", "namespace"});
  static const json kNull;
  const RuleContext ctx{stage, in.operation, in.operation == Operation::Update ? in.old_object : kNull, policy, ns,
                        kind,  in.clusters};
  RuleOutcome out;
  json object = in.object;
  std::vector<std::string> invalid;
  if (owned == Owned::Cluster) {
    apply_cluster_taint_rule(object, ctx, out);
    if (stage == Stage::Validate && !out.denial) invalid = validate_cluster_taints(in.object);
  } else if (owned == Owned::Pod) {
    apply_pod_zone_rule(object, ctx, in.namespaces, out);
  } else if (owned == Owned::Deployment || owned == Owned::StatefulSet) {
    apply_workload_zone_rule(object, ctx, out);
  } else {
    if (is_anydoor(object, policy.anydoor)) {
      apply_anydoor_rule(object, ctx, out);
    } else {
      apply_toleration_rule(object, ctx, out);
    }
    if (stage == Stage::Validate && !out.denial) invalid = validate_placement(in.object);
  }
  d.audit_annotations = out.audit;
  if (out.denial) return deny(std::move(d), 403, *out.denial);
  if (stage == Stage::Validate) {
    if (!out.required.empty()) return deny(std::move(d), 403, join(out.required, "; "));
    if (!invalid.empty()) {
      d.audit_annotations["karmada-validation"] = "denied";
      return deny(std::move(d), 422, describe(in.object, kind, ns) + " is invalid: " + join(invalid, "; "));
    }
    d.warnings = out.advisories;
    // What the rules would still change is /mutate's business; /validate reports only verdicts.
    std::erase_if(d.audit_annotations, [](const auto& entry) {
      return entry.second.find("warned") == std::string::npos && entry.second.find("denied") == std::string::npos;
    });
    return d;
  }
  d.warnings = out.change_warnings;
  d.object = std::move(object);
  return d;
}

}  // namespace

std::optional<Operation> parse_operation(std::string_view text) {
  if (text == "CREATE") return Operation::Create;
  if (text == "UPDATE") return Operation::Update;
  if (text == "DELETE") return Operation::Delete;
  if (text == "CONNECT") return Operation::Connect;
  return std::nullopt;
}

Decision mutate(const AdmissionInput& input, const Policy& policy) { return run(input, policy, Stage::Mutate); }

Decision validate(const AdmissionInput& input, const Policy& policy) { return run(input, policy, Stage::Validate); }

Decision review(const AdmissionInput& input, const Policy& policy) {
  Decision mutated = mutate(input, policy);
  if (!mutated.allowed) return mutated;
  AdmissionInput next = input;
  next.object = mutated.object;
  Decision checked = validate(next, policy);
  for (const auto& w : checked.warnings) {
    if (std::find(mutated.warnings.begin(), mutated.warnings.end(), w) == mutated.warnings.end()) {
      mutated.warnings.push_back(w);
    }
  }
  // The mutating pass already said what each rule did; the validating one adds only new rules.
  for (const auto& [rule, action] : checked.audit_annotations) mutated.audit_annotations.emplace(rule, action);
  mutated.owned = mutated.owned || checked.owned;
  mutated.majority_gate = checked.majority_gate;
  if (!checked.allowed) {
    mutated.allowed = false;
    mutated.code = checked.code;
    mutated.message = checked.message;
    mutated.object = input.object;
  }
  return mutated;
}

}  // namespace cell0::policies
