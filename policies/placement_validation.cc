#include "policies/placement_validation.h"

#include <set>

#include "policies/label_selector.h"
#include "policies/label_syntax.h"
#include "policies/rule_support.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

using Errors = std::vector<std::string>;

std::string str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool has(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && !object[key].is_null();
}

std::string idx(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

const json& list_or_empty(const json& object, const char* key) {
  static const json empty = json::array();
  if (!object.is_object()) return empty;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : empty;
}

void field_selector(const json& sel, const std::string& path, Errors& errors) {
  const json& exprs = list_or_empty(sel, "matchExpressions");
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    const std::string p = idx(path + ".matchExpressions", i);
    const std::string key = str(exprs[i], "key"), op = str(exprs[i], "operator");
    if (key != "provider" && key != "region" && key != "zone") {
      errors.push_back(p + ".key: unsupported key \"" + key + "\", must be provider, region or zone");
    }
    if (op != "In" && op != "NotIn")
      errors.push_back(p + ".operator: unsupported operator \"" + op + "\", must be In or NotIn");
  }
}

void cluster_affinity(const json& affinity, const std::string& path, Errors& errors) {
  if (!affinity.is_object()) return;
  if (const json* s = find_path(affinity, {"labelSelector"})) {
    for (auto& e : label_selector_errors(*s, path + ".labelSelector")) errors.push_back(std::move(e));
  }
  if (const json* s = find_path(affinity, {"fieldSelector"})) field_selector(*s, path + ".fieldSelector", errors);
}

bool dynamic_or_aggregated(const json& placement) {
  const json* rs = find_path(placement, {"replicaScheduling"});
  if (!rs || str(*rs, "replicaSchedulingType") == "Duplicated") return false;
  const std::string pref = str(*rs, "replicaDivisionPreference");
  if (pref == "Aggregated") return true;
  const json* wp = find_path(*rs, {"weightPreference"});
  return pref == "Weighted" && wp && !str(*wp, "dynamicWeight").empty();
}

void cluster_affinities(const json& placement, Errors& errors) {
  const std::string path = "spec.placement.clusterAffinities";
  const json& groups = list_or_empty(placement, "clusterAffinities");
  std::set<std::string> names;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string p = idx(path, i);
    const std::string name = str(groups[i], "affinityName");
    if (!is_qualified_name(name)) {
      errors.push_back(p + ".affinityName: Invalid value: \"" + name + "\": must be a qualified name");
    } else if (!names.insert(name).second) {
      errors.push_back(p + ".affinityName: Invalid value: \"" + name + "\": duplicate affinityName");
    }
    cluster_affinity(groups[i], p, errors);
    const json& overflow = list_or_empty(groups[i], "overflowAffinities");
    if (!overflow.empty() && !dynamic_or_aggregated(placement)) {
      errors.push_back(p +
                       ".overflowAffinities: Forbidden: only allowed with replicaDivisionPreference Aggregated or "
                       "a dynamicWeight");
    }
    for (std::size_t j = 0; j < overflow.size(); ++j) {
      const std::string q = idx(p + ".overflowAffinities", j);
      const std::string oname = str(overflow[j], "affinityName");
      if (!is_qualified_name(oname)) {
        errors.push_back(q + ".affinityName: Invalid value: \"" + oname + "\": must be a qualified name");
      } else if (!names.insert(oname).second) {
        errors.push_back(q + ".affinityName: Invalid value: \"" + oname + "\": duplicate affinityName");
      }
      cluster_affinity(overflow[j], q, errors);
    }
  }
}

void spread_constraints(const json& placement, Errors& errors) {
  const std::string path = "spec.placement.spreadConstraints";
  const json& constraints = list_or_empty(placement, "spreadConstraints");
  std::set<std::string> fields;
  for (std::size_t i = 0; i < constraints.size(); ++i) {
    const json& c = constraints[i];
    const std::string p = idx(path, i);
    const std::string by_field = str(c, "spreadByField"), by_label = str(c, "spreadByLabel");
    if (!by_field.empty() && !by_label.empty()) {
      errors.push_back(p + ": Invalid value: spreadByLabel should not co-exist with spreadByField");
    }
    const json min = c.is_object() ? c.value("minGroups", json(0)) : json(0);
    const json max = c.is_object() ? c.value("maxGroups", json(0)) : json(0);
    const std::int64_t min_groups = min.is_number_integer() ? min.get<std::int64_t>() : 0;
    const std::int64_t max_groups = max.is_number_integer() ? max.get<std::int64_t>() : 0;
    if (min_groups < 0) errors.push_back(p + ".minGroups: Invalid value: must be greater than or equal to 0");
    if (max_groups < 0) errors.push_back(p + ".maxGroups: Invalid value: must be greater than or equal to 0");
    if (max_groups > 0 && max_groups < min_groups) {
      errors.push_back(p + ": Invalid value: maxGroups lower than minGroups is not allowed");
    }
    if (!by_field.empty() && !fields.insert(by_field).second) {
      errors.push_back(p + ".spreadByField: Invalid value: \"" + by_field + "\": multiple " + by_field +
                       " spread constraints are not allowed");
    }
  }
  if (!fields.empty() && !fields.contains("cluster")) {
    errors.push_back(path +
                     ": Invalid value: the cluster spread constraint must be enabled in one of the constraints in "
                     "case of SpreadByField is enabled");
  }
}

void tolerations(const json& placement, Errors& errors) {
  const std::string path = "spec.placement.clusterTolerations";
  const json& list = list_or_empty(placement, "clusterTolerations");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& t = list[i];
    const std::string p = idx(path, i);
    const std::string key = str(t, "key"), op = str(t, "operator"), value = str(t, "value"), effect = str(t, "effect");
    if (!key.empty() && !is_qualified_name(key))
      errors.push_back(p + ".key: Invalid value: \"" + key + "\": not a valid label key");
    if (key.empty() && op != "Exists") {
      errors.push_back(
          p + ".operator: Invalid value: \"" + op +
          "\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
    }
    if (has(t, "tolerationSeconds") && effect != "NoExecute") {
      errors.push_back(p + ".effect: Invalid value: \"" + effect +
                       "\": effect must be 'NoExecute' when `tolerationSeconds` is set");
    }
    if (op.empty() || op == "Equal") {
      if (!is_label_value(value))
        errors.push_back(p + ".value: Invalid value: \"" + value + "\": not a valid label value");
    } else if (op == "Exists") {
      if (!value.empty())
        errors.push_back(p + ".operator: Invalid value: value must be empty when `operator` is 'Exists'");
    } else {
      errors.push_back(p + ".operator: Unsupported value: \"" + op + "\": supported values: \"Equal\", \"Exists\"");
    }
    if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
      errors.push_back(p + ".effect: Unsupported value: \"" + effect +
                       "\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
    }
  }
}

void static_weights(const json& placement, Errors& errors) {
  const json* wp = find_path(placement, {"replicaScheduling", "weightPreference"});
  if (!wp) return;
  const json& list = list_or_empty(*wp, "staticWeightList");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = idx("spec.placement.replicaScheduling.weightPreference.staticWeightList", i);
    const json w = list[i].is_object() ? list[i].value("weight", json()) : json();
    if (!w.is_number_integer() || w.get<std::int64_t>() < 1)
      errors.push_back(p + ".weight: Invalid value: must be at least 1");
    if (const json* target = find_path(list[i], {"targetCluster"}))
      cluster_affinity(*target, p + ".targetCluster", errors);
  }
}

}  // namespace

std::vector<std::string> validate_placement(const json& object) {
  Errors errors;
  const json* placement = find_path(object, {"spec", "placement"});
  if (!placement || placement->is_null()) return errors;
  if (!placement->is_object()) return {"spec.placement: must be an object"};
  if (has(*placement, "clusterAffinity") && has(*placement, "clusterAffinities")) {
    errors.push_back("spec.placement: Invalid value: clusterAffinities can not co-exist with clusterAffinity");
  }
  if (const json* a = find_path(*placement, {"clusterAffinity"}))
    cluster_affinity(*a, "spec.placement.clusterAffinity", errors);
  cluster_affinities(*placement, errors);
  spread_constraints(*placement, errors);
  tolerations(*placement, errors);
  static_weights(*placement, errors);
  return errors;
}

}  // namespace cell0::policies
