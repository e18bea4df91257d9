// The zone warnings for Deployments and StatefulSets (see zone_policy.h): never a denial.
#include <algorithm>

#include "policies/label_selector.h"
#include "policies/zone_policy.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

const json& required_terms(const json& workload, const char* kind) {
  static const json none = json::array();
  const json* terms = find_path(
      workload, {"spec", "template", "spec", "affinity", kind, "requiredDuringSchedulingIgnoredDuringExecution"});
  return terms && terms->is_array() ? *terms : none;
}

// The term's selector picks the workload's own pods: its labelSelector matches the template's
// labels and its namespaces include the workload's (none listed and no namespaceSelector: its own;
// namespaceSelector {}: all). A non-empty namespaceSelector needs namespace labels: not counted.
bool selects_own_pods(const json& term, const std::map<std::string, std::string>& labels, const std::string& ns) {
  const json* selector = find_path(term, {"labelSelector"});
  if (!selector || !selector_matches(*selector, labels)) return false;
  const json* namespaces = find_path(term, {"namespaces"});
  const json* ns_selector = find_path(term, {"namespaceSelector"});
  if (namespaces && namespaces->is_array() && !namespaces->empty()) {
    if (std::find(namespaces->begin(), namespaces->end(), json(ns)) != namespaces->end()) return true;
  } else if (!ns_selector || ns_selector->is_null()) {
    return true;
  }
  return ns_selector && ns_selector->is_object() && ns_selector->empty();
}

std::int64_t replicas_of(const json& workload) {
  const json* replicas = find_path(workload, {"spec", "replicas"});
  return replicas && replicas->is_number_integer() ? replicas->get<std::int64_t>() : 1;  // the apps/v1 default
}

void check_zone_spread(const json& workload, const RuleContext& ctx, const std::string& who, RuleOutcome& out) {
  const Zones& z = ctx.policy.zones;
  const json* template_ = find_path(workload, {"spec", "template"});
  const auto labels = template_ ? labels_of(*template_) : std::map<std::string, std::string>{};
  // Arbitration services tolerate the arbitration taint: their pods can use that zone too.
  const bool arbitration = arbitration_service_of(labels, ctx.namespace_, z) != nullptr;
  const std::int64_t zones = z.zone_count + (arbitration ? 1 : 0);
  const std::int64_t replicas = replicas_of(workload);
  if (replicas <= zones) return;
  const json& terms = required_terms(workload, "podAntiAffinity");
  for (std::size_t i = 0; i < terms.size(); ++i) {
    if (string_at(terms[i], {"topologyKey"}) != z.zone_label || !selects_own_pods(terms[i], labels, ctx.namespace_))
      continue;
    // Short enough for kubectl (the apiserver may truncate warnings above 256 characters).
    out.advisories.push_back(who + ": " + std::to_string(replicas) + " replicas, required pod anti-affinity on " +
                             z.zone_label + " (term " + std::to_string(i) + "), " + std::to_string(zones) + " zones" +
                             (arbitration ? " with the arbitration zone" : "") + ": " +
                             std::to_string(replicas - zones) +
                             " pod(s) stay Pending; use preferredDuringSchedulingIgnoredDuringExecution");
    out.note(kZoneWorkloadRule, "warned: replicas above zones");
    return;
  }
}

// Without a node inventory the known keys are the configured ones (zones.nodeLabelKeys plus the
// zone label). Kubernetes' InterPodAffinity filter rejects a node without the topology key of a
// required affinity term, and a required anti-affinity term never matches on such a node.
void check_topology_keys(const json& workload, const RuleContext& ctx, const std::string& who, RuleOutcome& out) {
  const Zones& z = ctx.policy.zones;
  for (const char* kind : {"podAffinity", "podAntiAffinity"}) {
    const json& terms = required_terms(workload, kind);
    for (std::size_t i = 0; i < terms.size(); ++i) {
      const std::string key = string_at(terms[i], {"topologyKey"});
      if (key.empty() || key == z.zone_label ||
          std::find(z.node_label_keys.begin(), z.node_label_keys.end(), key) != z.node_label_keys.end()) {
        continue;
      }
      const bool affinity = std::string_view(kind) == "podAffinity";
      out.advisories.push_back(who + ": required " + kind + " term " + std::to_string(i) + " uses topology key " + key +
                               ", which no Cell0 node carries (zones.nodeLabelKeys): " +
                               (affinity ? "its pods cannot be scheduled" : "it keeps no pods apart"));
      out.note(kZoneWorkloadRule, "warned: unknown topology key");
    }
  }
}

}  // namespace

void apply_workload_zone_rule(const json& workload, const RuleContext& ctx, RuleOutcome& out) {
  const std::string who = describe(workload, ctx.kind, ctx.namespace_);
  check_zone_spread(workload, ctx, who, out);
  check_topology_keys(workload, ctx, who, out);
}

}  // namespace cell0::policies
