#include "tests/policies/scheduler_model.h"

#include <algorithm>
#include <set>

namespace cell0::testing {

using nlohmann::json;

namespace {

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

long long num(const json& o, const char* key, long long fallback = 0) {
  if (!o.is_object()) return fallback;
  auto it = o.find(key);
  return it != o.end() && it->is_number_integer() ? it->get<long long>() : fallback;
}

const json& at(const json& o, const char* key) {
  static const json null;
  if (!o.is_object()) return null;
  auto it = o.find(key);
  return it != o.end() ? *it : null;
}

std::string name_of(const json& cluster) { return str(at(cluster, "metadata"), "name"); }

std::vector<std::string> zones_of(const json& cluster) {
  std::vector<std::string> zones;
  const json& spec = at(cluster, "spec");
  for (const json& z : at(spec, "zones").is_array() ? at(spec, "zones") : json::array())
    zones.push_back(z.get<std::string>());
  // The aggregated apiserver copies the deprecated spec.zone into spec.zones on write.
  if (zones.empty() && !str(spec, "zone").empty()) zones.push_back(str(spec, "zone"));
  return zones;
}

bool in_list(const json& list, const std::string& v) {
  return list.is_array() && std::find(list.begin(), list.end(), json(v)) != list.end();
}

bool selector_matches(const json& selector, const json& labels) {
  if (!selector.is_object()) return true;
  const json match_labels = at(selector, "matchLabels").is_object() ? at(selector, "matchLabels") : json::object();
  for (const auto& [k, v] : match_labels.items()) {
    if (!labels.is_object() || labels.value(k, json()) != v) return false;
  }
  for (const json& e : at(selector, "matchExpressions").is_array() ? at(selector, "matchExpressions") : json::array()) {
    const std::string key = str(e, "key"), op = str(e, "operator");
    const bool has = labels.is_object() && labels.contains(key);
    const std::string value = has && labels[key].is_string() ? labels[key].get<std::string>() : "";
    if (op == "In" && !(has && in_list(at(e, "values"), value))) return false;
    if (op == "NotIn" && has && in_list(at(e, "values"), value)) return false;
    if (op == "Exists" && !has) return false;
    if (op == "DoesNotExist" && has) return false;
  }
  return true;
}

// clusterNames (when non-empty), labelSelector, fieldSelector and exclude all have to hold.
bool affinity_matches(const json& term, const json& cluster) {
  if (!term.is_object()) return true;
  const std::string name = name_of(cluster);
  const json& names = at(term, "clusterNames");
  if (names.is_array() && !names.empty() && !in_list(names, name)) return false;
  if (in_list(at(term, "exclude"), name)) return false;
  if (!selector_matches(at(term, "labelSelector"), at(at(cluster, "metadata"), "labels"))) return false;
  for (const json& r : at(at(term, "fieldSelector"), "matchExpressions").is_array()
                           ? at(at(term, "fieldSelector"), "matchExpressions")
                           : json::array()) {
    const std::string key = str(r, "key"), op = str(r, "operator");
    const json& spec = at(cluster, "spec");
    std::vector<std::string> values;
    if (key == "provider" || key == "region") values.push_back(str(spec, key.c_str()));
    if (key == "zone") values = zones_of(cluster);
    const bool any_in =
        std::any_of(values.begin(), values.end(), [&](const auto& v) { return in_list(at(r, "values"), v); });
    if (op == "In" && !any_in) return false;
    if (op == "NotIn" && any_in) return false;
  }
  return true;
}

bool taints_tolerated(const json& cluster, const json& tolerations) {
  for (const json& taint :
       at(at(cluster, "spec"), "taints").is_array() ? at(at(cluster, "spec"), "taints") : json::array()) {
    const std::string effect = str(taint, "effect");
    if (effect != "NoSchedule" && effect != "NoExecute") continue;
    const bool ok = tolerations.is_array() && std::any_of(tolerations.begin(), tolerations.end(),
                                                          [&](const json& t) { return model_tolerates(t, taint); });
    if (!ok) return false;
  }
  return true;
}

// karmada-webhook's defaulters (§1).
json defaulted(json placement) {
  if (json& spread = placement["spreadConstraints"]; spread.is_array()) {
    for (json& c : spread) {
      if (str(c, "spreadByField").empty() && str(c, "spreadByLabel").empty()) c["spreadByField"] = "cluster";
      if (num(c, "minGroups") == 0) c["minGroups"] = 1;
    }
  } else {
    placement.erase("spreadConstraints");
  }
  if (json& rs = placement["replicaScheduling"]; rs.is_object()) {
    if (str(rs, "replicaSchedulingType").empty()) rs["replicaSchedulingType"] = "Divided";  // CRD default
    if (str(rs, "replicaSchedulingType") == "Divided" && str(rs, "replicaDivisionPreference").empty()) {
      rs["replicaDivisionPreference"] = "Weighted";
    }
  } else {
    placement.erase("replicaScheduling");
  }
  return placement;
}

// Webster / Sainte-Laguë: each seat to the highest votes / (2·seats + 1); ties by name.
std::map<std::string, long long> webster(const std::vector<std::pair<std::string, long long>>& votes, long long seats) {
  std::map<std::string, long long> got;
  for (const auto& [n, v] : votes) got[n] = 0;
  for (long long s = 0; s < seats; ++s) {
    const std::pair<std::string, long long>* best = nullptr;
    long double best_priority = -1;
    for (const auto& p : votes) {
      if (p.second <= 0) continue;
      const long double priority = static_cast<long double>(p.second) / static_cast<long double>(2 * got[p.first] + 1);
      if (priority > best_priority || (priority == best_priority && p.first < best->first)) {
        best = &p;
        best_priority = priority;
      }
    }
    if (!best) break;
    ++got[best->first];
  }
  return got;
}

Scheduled divide(const json& placement, const std::vector<const ModelCluster*>& selected, long long replicas) {
  Scheduled out;
  const json& rs = at(placement, "replicaScheduling");
  const bool duplicated = !rs.is_object() || str(rs, "replicaSchedulingType") == "Duplicated";
  if (selected.empty()) {
    out.error = duplicated ? "no clusters available to schedule" : "no enough resource when selecting 0 clusters";
    return out;
  }
  if (duplicated) {
    for (const auto* c : selected) out.replicas[name_of(c->object)] = replicas;
    return out;
  }
  const bool aggregated = str(rs, "replicaDivisionPreference") == "Aggregated";
  const json& wp = at(rs, "weightPreference");
  const bool dynamic = !str(wp, "dynamicWeight").empty();
  std::vector<std::pair<std::string, long long>> votes;
  if (aggregated || dynamic) {
    std::vector<const ModelCluster*> order = selected;
    long long total = 0;
    for (const auto* c : order) total += c->available;
    if (total < replicas) {
      out.error = "Clusters available replicas " + std::to_string(total) + " are not enough";
      return out;
    }
    if (aggregated) {  // the fewest clusters, by available replicas, that cover the replicas
      std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->available > b->available; });
      long long sum = 0;
      std::size_t keep = 0;
      while (keep < order.size() && sum < replicas) sum += order[keep++]->available;
      order.resize(keep);
    }
    for (const auto* c : order) votes.emplace_back(name_of(c->object), c->available);
  } else {
    // Static: the largest weight among matching rules; no rule, or every weight 0: all weight 1.
    bool any = false;
    for (const auto* c : selected) {
      long long w = 0;
      for (const json& rule : at(wp, "staticWeightList").is_array() ? at(wp, "staticWeightList") : json::array()) {
        if (affinity_matches(at(rule, "targetCluster"), c->object)) w = std::max(w, num(rule, "weight"));
      }
      any = any || w > 0;
      votes.emplace_back(name_of(c->object), w);
    }
    if (!any) {
      for (auto& v : votes) v.second = 1;
    }
  }
  for (const auto& [n, r] : webster(votes, replicas)) {
    if (r > 0) out.replicas[n] = r;  // clusters given 0 replicas are dropped
  }
  return out;
}

std::vector<const ModelCluster*> filter(const json& placement, const json& term,
                                        const std::vector<ModelCluster>& clusters) {
  const json& spread = at(placement, "spreadConstraints");
  std::set<std::string> fields;
  for (const json& c : spread.is_array() ? spread : json::array()) fields.insert(str(c, "spreadByField"));
  std::vector<const ModelCluster*> feasible;
  for (const ModelCluster& c : clusters) {
    if (!affinity_matches(term, c.object)) continue;
    if (!taints_tolerated(c.object, at(placement, "clusterTolerations"))) continue;
    // The spread filter plugin drops clusters whose field is empty when a constraint uses it.
    const json& spec = at(c.object, "spec");
    if (fields.contains("zone") && zones_of(c.object).empty()) continue;
    if (fields.contains("region") && str(spec, "region").empty()) continue;
    if (fields.contains("provider") && str(spec, "provider").empty()) continue;
    feasible.push_back(&c);
  }
  return feasible;
}

Scheduled schedule_term(const json& placement, const json& term, const std::vector<ModelCluster>& clusters,
                        long long replicas) {
  const json& spread = at(placement, "spreadConstraints");
  std::vector<const ModelCluster*> feasible = filter(placement, term, clusters);
  Scheduled out;
  if (feasible.empty()) {
    out.error = "0/" + std::to_string(clusters.size()) + " clusters are available";
    return out;
  }
  const json& rs = at(placement, "replicaScheduling");
  const json& wp = at(rs, "weightPreference");
  const bool static_weights = rs.is_object() && str(rs, "replicaSchedulingType") == "Divided" &&
                              str(rs, "replicaDivisionPreference") == "Weighted" && str(wp, "dynamicWeight").empty();
  if (!spread.is_array() || spread.empty() || static_weights) return divide(placement, feasible, replicas);

  auto constraint = [&](const std::string& field) {
    for (const json& c : spread) {
      if (str(c, "spreadByField") == field) return c;
    }
    return json();
  };
  std::stable_sort(feasible.begin(), feasible.end(), [](auto* a, auto* b) {
    return a->available != b->available ? a->available > b->available : name_of(a->object) < name_of(b->object);
  });
  std::vector<const ModelCluster*> selected;
  if (const json region = constraint("region"); !region.is_null()) {
    std::map<std::string, long long> by_region;
    for (const auto* c : feasible) by_region[str(at(c->object, "spec"), "region")] += c->available;
    const auto want = std::min<long long>(static_cast<long long>(by_region.size()), num(region, "maxGroups"));
    if (want < num(region, "minGroups", 1)) {
      out.error = "the number of feasible region is less than spreadConstraint.MinGroups";
      return out;
    }
    std::vector<std::pair<std::string, long long>> regions(by_region.begin(), by_region.end());
    std::stable_sort(regions.begin(), regions.end(), [](auto& a, auto& b) { return a.second > b.second; });
    regions.resize(static_cast<std::size_t>(want));
    for (const auto* c : feasible) {
      const std::string r = str(at(c->object, "spec"), "region");
      if (std::any_of(regions.begin(), regions.end(), [&](auto& p) { return p.first == r; })) selected.push_back(c);
    }
  } else if (const json cluster = constraint("cluster"); !cluster.is_null()) {
    const auto want = std::min<long long>(static_cast<long long>(feasible.size()), num(cluster, "maxGroups"));
    if (want > 0 && want < num(cluster, "minGroups", 1)) {
      out.error = "the number of feasible clusters is less than spreadConstraint.MinGroups";
      return out;
    }
    selected.assign(feasible.begin(), feasible.begin() + want);
  } else {
    out.error = "just support cluster and region spread constraint";
    return out;
  }
  return divide(placement, selected, replicas);
}

}  // namespace

bool model_tolerates(const json& t, const json& taint) {
  if (!t.is_object() || !taint.is_object()) return false;
  if (!str(t, "effect").empty() && str(t, "effect") != str(taint, "effect")) return false;
  if (!str(t, "key").empty() && str(t, "key") != str(taint, "key")) return false;
  const std::string op = str(t, "operator");
  if (op.empty() || op == "Equal") return str(t, "value") == str(taint, "value");
  return op == "Exists";
}

std::vector<std::string> feasible_clusters(const json& raw_placement, const std::vector<ModelCluster>& clusters) {
  const json placement = defaulted(raw_placement.is_object() ? raw_placement : json::object());
  const json& terms = at(placement, "clusterAffinities");
  std::set<std::string> names;
  for (const json& term :
       terms.is_array() && !terms.empty() ? terms : json::array({at(placement, "clusterAffinity")})) {
    for (const auto* c : filter(placement, term, clusters)) names.insert(name_of(c->object));
  }
  return {names.begin(), names.end()};
}

Scheduled schedule(const json& raw_placement, const std::vector<ModelCluster>& clusters, long long replicas) {
  const json placement = defaulted(raw_placement.is_object() ? raw_placement : json::object());
  const json& terms = at(placement, "clusterAffinities");
  if (!terms.is_array() || terms.empty())
    return schedule_term(placement, at(placement, "clusterAffinity"), clusters, replicas);
  Scheduled last;
  for (const json& term : terms) {  // the first term that schedules wins
    last = schedule_term(placement, term, clusters, replicas);
    if (last.error.empty()) return last;
  }
  return last;
}

}  // namespace cell0::testing
