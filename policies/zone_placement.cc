#include "policies/zone_placement.h"

#include <algorithm>
#include <map>

#include "policies/tolerations.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

std::string text(const json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool contains(const json& list, const std::string& value) {
  return list.is_array() && std::any_of(list.begin(), list.end(), [&](const json& v) { return v == value; });
}

bool requirement_holds(const json& e, const std::map<std::string, std::string>& labels) {
  const std::string key = text(e, "key");
  const std::string op = text(e, "operator");
  const auto it = labels.find(key);
  const json values = e.is_object() ? e.value("values", json::array()) : json::array();
  if (op == "In") return it != labels.end() && contains(values, it->second);
  if (op == "NotIn") return it == labels.end() || !contains(values, it->second);
  if (op == "Exists") return it != labels.end();
  if (op == "DoesNotExist") return it == labels.end();
  return false;
}

}  // namespace

bool selector_matches(const json& selector, const std::map<std::string, std::string>& labels) {
  if (!selector.is_object()) return true;
  if (const auto ml = selector.find("matchLabels"); ml != selector.end() && ml->is_object()) {
    for (const auto& [k, v] : ml->items()) {
      const auto it = labels.find(k);
      if (it == labels.end() || v != it->second) return false;
    }
  }
  if (const auto me = selector.find("matchExpressions"); me != selector.end() && me->is_array()) {
    for (const json& e : *me) {
      if (!requirement_holds(e, labels)) return false;
    }
  }
  return true;
}

bool cluster_eligible(const json& placement, const ClusterInfo& cluster) {
  if (!cluster.ready) return false;
  const json affinity = placement.is_object() ? placement.value("clusterAffinity", json::object()) : json::object();
  if (const json names = affinity.value("clusterNames", json::array()); names.is_array() && !names.empty()) {
    if (!contains(names, cluster.name)) return false;
  }
  if (contains(affinity.value("exclude", json::array()), cluster.name)) return false;
  if (!selector_matches(affinity.value("labelSelector", json()), cluster.labels)) return false;
  const json tolerations = placement.is_object() ? placement.value("clusterTolerations", json::array()) : json::array();
  for (const ClusterTaintInfo& t : cluster.taints) {
    if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
    const bool tolerated = tolerations.is_array() && std::any_of(tolerations.begin(), tolerations.end(), [&](const json& x) {
                             return tolerates_taint(x, t.key, t.value, t.effect);
                           });
    if (!tolerated) return false;
  }
  return true;
}

ZoneChoice one_cluster_per_zone(const json& placement, const std::vector<ClusterInfo>& clusters) {
  std::map<std::string, std::string> by_zone;  // zone -> first eligible cluster by name
  for (const ClusterInfo& c : clusters) {
    if (c.zones.empty() || !cluster_eligible(placement, c)) continue;
    auto [it, inserted] = by_zone.emplace(c.zones.front(), c.name);
    if (!inserted && c.name < it->second) it->second = c.name;
  }
  ZoneChoice choice;
  for (const auto& [zone, name] : by_zone) {
    choice.zones.push_back(zone);
    choice.clusters.push_back(name);
  }
  std::sort(choice.clusters.begin(), choice.clusters.end());
  // A cluster spanning several zones could be the first of two: it stands for one zone only.
  choice.clusters.erase(std::unique(choice.clusters.begin(), choice.clusters.end()), choice.clusters.end());
  return choice;
}

void write_zone_placement(json& placement, const ZoneChoice& choice) {
  json& affinity = placement["clusterAffinity"];
  if (!affinity.is_object()) affinity = json::object();
  affinity["clusterNames"] = choice.clusters;
  placement.erase("spreadConstraints");
  placement["replicaScheduling"] = {
      {"replicaSchedulingType", "Divided"},
      {"replicaDivisionPreference", "Weighted"},
      {"weightPreference",
       {{"staticWeightList", json::array({{{"targetCluster", {{"clusterNames", choice.clusters}}}, {"weight", 1}}})}}}};
}

}  // namespace cell0::policies
