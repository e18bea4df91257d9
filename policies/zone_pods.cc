// The zone rules for Pods on CREATE (see zone_policy.h).
#include <algorithm>

#include "policies/label_selector.h"
#include "policies/label_syntax.h"
#include "policies/tolerations.h"
#include "policies/zone_policy.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

constexpr const char* kTermsPath =
    "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";

bool is_array_or_absent(const json* v) { return !v || v->is_null() || v->is_array(); }
bool is_object_or_absent(const json* v) { return !v || v->is_null() || v->is_object(); }

bool has_entries(const json& term, const char* key) {
  const json* v = find_path(term, {key});
  return v && v->is_array() && !v->empty();
}

std::vector<std::string> values_of(const json& expression) {
  std::vector<std::string> out;
  const json* values = find_path(expression, {"values"});
  if (!values || !values->is_array()) return out;
  for (const json& v : *values) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The term already keeps the pod off the arbitration zone: an expression on the zone label that
// no arbitration node satisfies.
bool excludes_arbitration(const json& term, const Zones& z) {
  const json* exprs = find_path(term, {"matchExpressions"});
  if (!exprs || !exprs->is_array()) return false;
  for (const json& e : *exprs) {
    if (string_at(e, {"key"}) != z.zone_label) continue;
    const std::string op = string_at(e, {"operator"});
    const auto values = values_of(e);
    const bool lists = std::find(values.begin(), values.end(), z.arbitration_zone) != values.end();
    if ((op == "NotIn" && lists) || (op == "In" && !values.empty() && !lists) || op == "DoesNotExist") return true;
  }
  return false;
}

// The term asks for the arbitration zone and nothing else: with the NotIn term it matches no node.
bool wants_only_arbitration(const json& term, const Zones& z) {
  const json* exprs = find_path(term, {"matchExpressions"});
  if (!exprs || !exprs->is_array()) return false;
  return std::any_of(exprs->begin(), exprs->end(), [&](const json& e) {
    const auto values = values_of(e);
    return string_at(e, {"key"}) == z.zone_label && string_at(e, {"operator"}) == "In" && !values.empty() &&
           std::all_of(values.begin(), values.end(), [&](const std::string& v) { return v == z.arbitration_zone; });
  });
}

std::string taint_text(const Taint& t) { return t.key + ":" + t.effect; }

json arbitration_toleration(const Zones& z) {
  return {{"key", z.arbitration_taint.key}, {"operator", "Exists"}, {"effect", z.arbitration_taint.effect}};
}

json not_in_expression(const Zones& z) {
  return {{"key", z.zone_label}, {"operator", "NotIn"}, {"values", {z.arbitration_zone}}};
}

void add_toleration(json& pod, const ArbitrationService& service, const Zones& z, RuleOutcome& out) {
  const json* tolerations = find_path(pod, {"spec", "tolerations"});
  if (tolerations && tolerations->is_array()) {
    for (const json& t : *tolerations) {
      if (tolerates(t, z.arbitration_taint)) return;
    }
  }
  json& spec = ensure_object(pod, {"spec"});
  json& list = spec["tolerations"];
  if (!list.is_array()) list = json::array();  // a JSON Patch add to /spec/tolerations/- needs the array
  list.push_back(arbitration_toleration(z));
  out.note(kZoneTolerationRule,
           "added toleration of " + taint_text(z.arbitration_taint) + " (arbitration service " + service.name + ")");
}

// A non-arbitration pod may not tolerate the arbitration taint (Kubernetes' ToleratesTaint).
void guard_tolerations(json& pod, const Zones& z, const std::string& who, RuleOutcome& out) {
  json* tolerations = find_path(pod, {"spec", "tolerations"});
  if (!tolerations || !tolerations->is_array()) return;
  std::vector<std::size_t> offending;
  bool wildcard = false;
  for (std::size_t i = 0; i < tolerations->size(); ++i) {
    if (!tolerates((*tolerations)[i], z.arbitration_taint)) continue;
    offending.push_back(i);
    wildcard = wildcard || is_wildcard((*tolerations)[i]);
  }
  if (offending.empty()) return;
  std::vector<std::string> where;
  for (std::size_t i : offending)
    where.push_back("spec.tolerations[" + std::to_string(i) + "] " + (*tolerations)[i].dump());
  const std::string problem = who + " is not an arbitration service but tolerates the arbitration taint " +
                              taint_text(z.arbitration_taint) + " (" + join(where, ", ") +
                              "); only the pods of zones.arbitrationServices may";
  enforce_on_tolerations(z.enforcement, kZoneTolerationRule, "zones.enforcement", problem,
                         who + ": removed its toleration of the arbitration taint " + taint_text(z.arbitration_taint) +
                             " (zones.enforcement is Strip)",
                         {*tolerations, offending, wildcard}, out);
}

// Adds `<zoneLabel> NotIn [<arbitrationZone>]` to every term that does not exclude the arbitration
// zone yet (terms are ORed: one term left open would let the pod onto the arbitration node). An
// empty term matches no node in Kubernetes, so it is left empty rather than turned into one that
// matches.
void merge_not_in(json& pod, const Zones& z, const std::string& who, const std::string& opt_in, RuleOutcome& out) {
  const std::string expression = z.zone_label + " NotIn [" + z.arbitration_zone + "]";
  json* terms = find_path(
      pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  if (!terms || !terms->is_array() || terms->empty()) {
    json& required =
        ensure_object(pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
    required["nodeSelectorTerms"] = json::array({json{{"matchExpressions", json::array({not_in_expression(z)})}}});
    out.required.push_back(who + " needs the required node affinity " + expression + " (namespace opted in by " +
                           opt_in + "; /mutate adds it)");
    out.note(kZoneAffinityRule, "added " + expression + " as the only node selector term (" + opt_in + ")");
    return;
  }
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < terms->size(); ++i) {
    json& term = (*terms)[i];
    if (!has_entries(term, "matchExpressions") && !has_entries(term, "matchFields")) continue;
    if (excludes_arbitration(term, z)) continue;
    if (wants_only_arbitration(term, z)) {
      out.change_warnings.push_back(who + ": " + kTermsPath + "[" + std::to_string(i) +
                                    "] asks for the arbitration zone " + "only; with " + expression +
                                    " it matches no node");
    }
    json& exprs = term["matchExpressions"];
    if (!exprs.is_array()) exprs = json::array();
    exprs.push_back(not_in_expression(z));
    changed.push_back(std::to_string(i));
  }
  if (changed.empty()) return;
  out.required.push_back(who + " needs the required node affinity " + expression + " in " + kTermsPath + "[" +
                         join(changed, ", ") + "] (namespace opted in by " + opt_in + "; /mutate adds it)");
  out.note(kZoneAffinityRule,
           "added " + expression + " to node selector term(s) " + join(changed, ", ") + " (" + opt_in + ")");
}

}  // namespace

std::optional<std::string> zone_exemption(const json& pod) {
  if (annotation(pod, "kubernetes.io/config.mirror")) return "static (mirror) pod";
  const json* owners = find_path(pod, {"metadata", "ownerReferences"});
  if (!owners || !owners->is_array()) return std::nullopt;
  for (const json& o : *owners) {
    const json* controller = find_path(o, {"controller"});
    if (!controller || !controller->is_boolean() || !controller->get<bool>()) continue;
    const std::string kind = string_at(o, {"kind"}), api_version = string_at(o, {"apiVersion"});
    if (kind == "DaemonSet" && api_version == "apps/v1") return "DaemonSet pod";
    if (kind == "Node" && api_version == "v1") return "static (mirror) pod";
  }
  return std::nullopt;
}

const ArbitrationService* arbitration_service_of(const std::map<std::string, std::string>& labels,
                                                 const std::string& namespace_, const Zones& zones) {
  for (const ArbitrationService& s : zones.arbitration_services) {
    const bool in_namespace = std::any_of(s.namespaces.begin(), s.namespaces.end(),
                                          [&](const std::string& g) { return glob_match(g, namespace_); });
    if (in_namespace && selector_matches(s.selector, labels)) return &s;
  }
  return nullptr;
}

std::optional<std::string> zone_opt_in(const std::string& namespace_, const Zones& zones,
                                       const NamespaceSnapshot& namespaces) {
  if (namespace_.empty()) return std::nullopt;
  for (const auto& g : zones.namespaces) {
    if (glob_match(g, namespace_)) return "namespace glob " + g;
  }
  if (!namespaces) return std::nullopt;
  const auto known = namespaces->find(namespace_);
  if (known == namespaces->end()) return std::nullopt;
  const auto value = known->second.find(kZoneOptInAnnotation);
  if (value != known->second.end() && value->second == "true") return std::string("annotation ") + kZoneOptInAnnotation;
  return std::nullopt;
}

std::optional<std::string> pod_shape_error(const json& pod) {
  const json* spec = find_path(pod, {"spec"});
  if (!is_object_or_absent(spec)) return "Pod: spec must be an object";
  if (!is_array_or_absent(find_path(pod, {"spec", "tolerations"}))) return "Pod: spec.tolerations must be a list";
  if (!is_object_or_absent(find_path(pod, {"spec", "affinity"}))) return "Pod: spec.affinity must be an object";
  if (!is_object_or_absent(find_path(pod, {"spec", "affinity", "nodeAffinity"}))) {
    return "Pod: spec.affinity.nodeAffinity must be an object";
  }
  const json* required =
      find_path(pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (!is_object_or_absent(required)) {
    return "Pod: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution must be an object";
  }
  const json* terms = required ? find_path(*required, {"nodeSelectorTerms"}) : nullptr;
  if (!is_array_or_absent(terms)) return std::string("Pod: ") + kTermsPath + " must be a list";
  if (!terms || terms->is_null()) return std::nullopt;
  for (std::size_t i = 0; i < terms->size(); ++i) {
    const json& term = (*terms)[i];
    const std::string at = std::string("Pod: ") + kTermsPath + "[" + std::to_string(i) + "]";
    if (!term.is_object()) return at + " must be an object";
    if (!is_array_or_absent(find_path(term, {"matchExpressions"}))) return at + ".matchExpressions must be a list";
  }
  return std::nullopt;
}

void apply_pod_zone_rule(json& pod, const RuleContext& ctx, const NamespaceSnapshot& namespaces, RuleOutcome& out) {
  const Zones& z = ctx.policy.zones;
  if (auto exempt = zone_exemption(pod)) {
    out.note(kZoneAffinityRule, "exempt: " + *exempt);
    return;
  }
  if (const ArbitrationService* service = arbitration_service_of(labels_of(pod), ctx.namespace_, z)) {
    add_toleration(pod, *service, z, out);
    return;
  }
  const auto opt_in = zone_opt_in(ctx.namespace_, z, namespaces);
  if (!opt_in) return;
  const std::string who = describe(pod, ctx.kind, ctx.namespace_);
  guard_tolerations(pod, z, who, out);
  if (out.denial) return;
  const json* node_selector = find_path(pod, {"spec", "nodeSelector"});
  if (node_selector && node_selector->is_object() && node_selector->value(z.zone_label, json()) == z.arbitration_zone) {
    out.change_warnings.push_back(who + ": spec.nodeSelector asks for " + z.zone_label + "=" + z.arbitration_zone +
                                  ", which only arbitration services may use; the pod cannot be scheduled");
  }
  merge_not_in(pod, z, who, *opt_in, out);
}

}  // namespace cell0::policies
