#include "policies/majority_gate.h"

#include <algorithm>
#include <set>

#include "policies/cluster_affinity.h"
#include "policies/rule_support.h"
#include "policies/toleration_match.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

const json& at(const json& object, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* v = find_path(object, path);
  return v ? *v : kNull;
}

long long count_at(const json& object, const char* key) {
  const auto it = object.is_object() ? object.find(key) : object.end();
  return it != object.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

long long component_replicas(const json& holder) {
  long long sum = 0;
  const auto it = holder.is_object() ? holder.find("components") : holder.end();
  if (it == holder.end() || !it->is_array()) return 0;
  for (const json& c : *it) sum += std::max(0LL, count_at(c, "replicas"));
  return sum;
}

std::set<std::string> target_names(const json& binding) {
  std::set<std::string> names;
  const json& targets = at(binding, {"spec", "clusters"});
  if (!targets.is_array()) return names;
  for (const json& t : targets) {
    if (t.is_object() && t.contains("name") && t["name"].is_string()) names.insert(t["name"].get<std::string>());
  }
  return names;
}

std::vector<std::string> hosting_clusters(const json& binding) {
  const json& spec = at(binding, {"spec"});
  const bool counts_replicas = count_at(spec, "replicas") > 0 || component_replicas(spec) > 0;
  std::set<std::string> hosting;
  const json& targets = at(binding, {"spec", "clusters"});
  if (!targets.is_array()) return {};
  for (const json& t : targets) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
    if (!counts_replicas || count_at(t, "replicas") > 0 || component_replicas(t) > 0) {
      hosting.insert(t["name"].get<std::string>());
    }
  }
  return {hosting.begin(), hosting.end()};
}

// The affinity the scheduler applied (see the header for clusterAffinities); null: none.
json applied_affinity(const json& binding, const std::vector<ClusterInfo>& clusters) {
  const json& placement = at(binding, {"spec", "placement"});
  const json& single = at(placement, {"clusterAffinity"});
  if (single.is_object()) return single;
  const json& terms = at(placement, {"clusterAffinities"});
  if (!terms.is_array() || terms.empty()) return nullptr;
  const std::string observing = string_at(binding, {"status", "schedulerObservingAffinityName"});
  std::size_t start = 0;
  for (std::size_t i = 0; i < terms.size() && !observing.empty(); ++i) {
    if (string_at(terms[i], {"affinityName"}) == observing) {
      start = i;
      break;
    }
  }
  const std::set<std::string> targets = target_names(binding);
  for (std::size_t i = start; i < terms.size(); ++i) {
    const bool all_match = std::all_of(clusters.begin(), clusters.end(), [&](const ClusterInfo& c) {
      return !targets.contains(c.name) || cluster_matches_affinity(c, terms[i]);
    });
    if (all_match) return terms[i];
  }
  return terms[start];
}

// Karmada's SpreadConstraint filter: a constraint by provider, region or zone needs that field.
bool lacks_spread_field(const ClusterInfo& c, const json& constraints) {
  if (!constraints.is_array()) return false;
  for (const json& sc : constraints) {
    const std::string field = string_at(sc, {"spreadByField"});
    if ((field == "provider" && c.provider.empty()) || (field == "region" && c.region.empty()) ||
        (field == "zone" && c.zones.empty())) {
      return true;
    }
  }
  return false;
}

std::string api_group(const std::string& api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

std::string binding_text(const AdmissionInput& in, const std::string& kind) {
  const std::string name = string_at(in.object, {"metadata", "name"});
  std::string ns = in.namespace_;
  if (ns.empty()) ns = string_at(in.object, {"metadata", "namespace"});
  return kind + " " + (ns.empty() ? name : ns + "/" + name);
}

std::string resource_text(const json& resource) {
  const std::string ns = string_at(resource, {"namespace"});
  const std::string name = string_at(resource, {"name"});
  return string_at(resource, {"kind"}) + " " + (ns.empty() ? name : ns + "/" + name);
}

std::string listed(const std::vector<std::string>& names) { return names.empty() ? "none" : join(names, ", "); }

}  // namespace

bool is_resource_binding(const AdmissionInput& in) {
  std::string group = in.group, kind = in.kind;
  if (kind.empty()) {
    const json& obj = in.object.is_object() ? in.object : in.old_object;
    group = api_group(string_at(obj, {"apiVersion"}));
    kind = string_at(obj, {"kind"});
  }
  return group == "work.karmada.io" && (kind == "ResourceBinding" || kind == "ClusterResourceBinding");
}

MajorityCount count_majority(const json& binding, const json& old_binding, const std::vector<ClusterInfo>& clusters) {
  MajorityCount out;
  const json affinity = applied_affinity(binding, clusters);
  const json& tolerations = at(binding, {"spec", "placement", "clusterTolerations"});
  const json& spread = at(binding, {"spec", "placement", "spreadConstraints"});
  const std::set<std::string> scheduled_before = target_names(old_binding);
  for (const ClusterInfo& c : clusters) {
    if (!cluster_matches_affinity(c, affinity)) continue;
    // Karmada lets a cluster the binding already uses pass the taint filter (the taint manager
    // evicts from it instead).
    if (!scheduled_before.contains(c.name) && first_untolerated_taint(c.taints, tolerations)) continue;
    if (lacks_spread_field(c, spread)) continue;
    out.candidates.push_back(c.name);
  }
  std::sort(out.candidates.begin(), out.candidates.end());
  out.candidates.erase(std::unique(out.candidates.begin(), out.candidates.end()), out.candidates.end());
  out.hosting = hosting_clusters(binding);
  return out;
}

Decision judge_binding(const AdmissionInput& in, const Policy& policy) {
  Decision d;
  d.object = in.object;
  if (in.operation != Operation::Update || !in.object.is_object()) return d;
  const json& resource = at(in.object, {"spec", "resource"});
  const MajorityKind workload{string_at(resource, {"apiVersion"}), string_at(resource, {"kind"})};
  const auto& kinds = policy.majority.kinds;
  if (std::find(kinds.begin(), kinds.end(), workload) == kinds.end()) return d;
  d.owned = true;
  auto record = [&d, &workload](const char* result, std::string audit) {
    d.majority_gate = MajorityGateRecord{workload.kind, result};
    d.audit_annotations[kMajorityRule] = std::move(audit);
  };

  const std::set<std::string> now = target_names(in.object);
  const std::set<std::string> before = target_names(in.old_object);
  if (now.empty()) {
    record("skipped", "allowed: spec.clusters emptied");
    return d;
  }
  if (std::includes(before.begin(), before.end(), now.begin(), now.end())) {
    record("skipped", "allowed: no cluster added");
    return d;
  }
  const std::string who = binding_text(in, in.kind.empty() ? string_at(in.object, {"kind"}) : in.kind);
  if (!in.clusters) {
    d.warnings.push_back(who +
                         ": the majority gate has no cluster inventory (serve without --kubeconfig, or review "
                         "without --clusters), so the placement of " +
                         resource_text(resource) + " was not checked");
    record("no_inventory", "warned: no cluster inventory");
    return d;
  }
  const MajorityCount count = count_majority(in.object, in.old_object, *in.clusters);
  const std::string tally = std::to_string(count.hosting.size()) + " hosting of " +
                            std::to_string(count.candidates.size()) + " candidate clusters";
  if (2 * count.hosting.size() >= count.candidates.size()) {
    record("allowed", "allowed: " + tally);
    return d;
  }
  const std::string problem =
      who + ": " + resource_text(resource) + " would have replicas in " + std::to_string(count.hosting.size()) +
      " of " + std::to_string(count.candidates.size()) + " candidate clusters (hosting: " + listed(count.hosting) +
      "; candidates: " + listed(count.candidates) +
      "); a replica set keeps its majority through cluster losses only when at least half of the candidate clusters "
      "host a replica";
  if (policy.majority.enforcement == Enforcement::Warn) {
    d.warnings.push_back(problem + "; admitted because majority.enforcement is Warn");
    record("warned", "warned (Warn): " + tally);
    return d;
  }
  record("rejected", "denied (Reject): " + tally);
  d.allowed = false;
  d.code = 403;
  d.message = problem + " (majority.enforcement: Reject)";
  return d;
}

}  // namespace cell0::policies
