#include "policies/placement_advice.h"

#include <algorithm>

#include "policies/rule_support.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

long long integer(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

// clusterNames of one affinity term, when it pins the candidates.
void advise_names(const json& term, const std::string& where, bool ha, int min_clusters, long long min_groups,
                  std::vector<std::string>& advice) {
  const json* names = term.is_object() && term.contains("clusterNames") ? &term["clusterNames"] : nullptr;
  if (!names || !names->is_array() || names->empty()) return;
  const auto n = static_cast<long long>(names->size());
  if (ha && n < min_clusters) {
    advice.push_back(where + ".clusterNames leaves at most " + std::to_string(n) +
                     " candidate cluster(s): Karmada places the gateways in fewer than " +
                     std::to_string(min_clusters) + " clusters (no HA across clusters or zones)");
  } else if (min_groups > n) {
    advice.push_back(where + ".clusterNames leaves at most " + std::to_string(n) +
                     " candidate cluster(s), fewer than minGroups " + std::to_string(min_groups) +
                     " of the cluster spread constraint: Karmada cannot select enough clusters and scheduling fails");
  }
}

}  // namespace

ReplicaMode replica_mode(const json& placement) {
  ReplicaMode mode;
  const json* rs =
      placement.is_object() && placement.contains("replicaScheduling") ? &placement["replicaScheduling"] : nullptr;
  if (!rs || !rs->is_object()) {
    mode.duplicated = true;
    return mode;
  }
  const std::string type = string_at(*rs, {"replicaSchedulingType"});
  if (type == "Duplicated") {
    mode.duplicated = true;
    return mode;
  }
  const std::string preference = string_at(*rs, {"replicaDivisionPreference"});
  if (preference == "Aggregated") {
    mode.aggregated = true;
    return mode;
  }
  const json* weights = rs->contains("weightPreference") ? &(*rs)["weightPreference"] : nullptr;
  mode.dynamic = weights && weights->is_object() && !string_at(*weights, {"dynamicWeight"}).empty();
  mode.static_weights = !mode.dynamic;
  return mode;
}

bool spread_ignored(const ReplicaMode& mode) { return mode.static_weights; }

std::vector<std::string> placement_advice(const json& placement, bool ha, int min_clusters) {
  std::vector<std::string> advice;
  if (!placement.is_object()) return advice;
  const ReplicaMode mode = replica_mode(placement);
  const json* spread = placement.contains("spreadConstraints") ? &placement["spreadConstraints"] : nullptr;
  const bool has_spread = spread && spread->is_array() && !spread->empty();

  if (ha && mode.aggregated) {
    advice.push_back(
        "spec.placement.replicaScheduling: Aggregated packs the replicas into as few clusters as "
        "possible, so Karmada may run every gateway in one cluster (use Weighted with dynamicWeight: "
        "AvailableReplicas)");
  }
  if (has_spread && spread_ignored(mode)) {
    advice.push_back(
        "spec.placement.spreadConstraints: Karmada ignores spread constraints when replicas are divided "
        "by static weights (Weighted without dynamicWeight): replicas are split over every matching "
        "cluster and minGroups is not enforced (set weightPreference.dynamicWeight: AvailableReplicas)");
  }
  long long cluster_min_groups = 0;
  if (has_spread) {
    for (std::size_t i = 0; i < spread->size(); ++i) {
      const json& c = (*spread)[i];
      const std::string where = "spec.placement.spreadConstraints[" + std::to_string(i) + "]";
      std::string field = string_at(c, {"spreadByField"});
      if (field.empty() && string_at(c, {"spreadByLabel"}).empty()) field = "cluster";  // Karmada's default
      if (field == "zone" || field == "provider") {
        advice.push_back(where + ": Karmada's scheduler does not spread by " + field +
                         "; the constraint only drops "
                         "clusters whose " +
                         (field == "zone" ? "spec.zones" : "spec.provider") +
                         " is empty, so it does not place the gateways in different " + field + "s");
      } else if (!string_at(c, {"spreadByLabel"}).empty()) {
        advice.push_back(where + ": Karmada's scheduler has no code for spreadByLabel; the constraint has no effect");
      }
      if (field == "cluster") cluster_min_groups = std::max(integer(c, "minGroups"), 1LL);
      if ((field == "cluster" || field == "region") && integer(c, "maxGroups") == 0 && !spread_ignored(mode)) {
        advice.push_back(where + ": maxGroups is 0 (unset; Karmada never defaults it), so the scheduler selects 0 " +
                         (field == "cluster" ? std::string("clusters") : std::string("regions")) +
                         " and scheduling fails (set maxGroups to an upper bound on " + field + "s)");
      }
    }
  }
  if (spread_ignored(mode)) cluster_min_groups = 0;
  if (placement.contains("clusterAffinity")) {
    advise_names(placement["clusterAffinity"], "spec.placement.clusterAffinity", ha, min_clusters, cluster_min_groups,
                 advice);
  }
  if (const auto it = placement.find("clusterAffinities"); it != placement.end() && it->is_array()) {
    for (std::size_t i = 0; i < it->size(); ++i) {
      advise_names((*it)[i], "spec.placement.clusterAffinities[" + std::to_string(i) + "]", ha, min_clusters,
                   cluster_min_groups, advice);
    }
  }
  return advice;
}

}  // namespace cell0::policies
