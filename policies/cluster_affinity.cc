#include "policies/cluster_affinity.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policies/label_selector.h"
#include "policies/label_syntax.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

using LabelSet = std::map<std::string, std::string>;

// One requirement of a labels.Selector; nullopt when apimachinery's NewRequirement refuses it.
struct Requirement {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist, Gt, Lt
  std::vector<std::string> values;
};

std::optional<std::vector<std::string>> string_list(const json& object, const char* key) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) return std::nullopt;
  for (const json& v : *it) {
    if (!v.is_string()) return std::nullopt;
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<long long> integer(const std::string& text) {
  long long v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty()) return std::nullopt;
  return v;
}

// labels.NewRequirement's checks: a qualified key, value counts by operator, label-value syntax.
std::optional<Requirement> requirement(const json& expression, bool allow_numeric) {
  if (!expression.is_object()) return std::nullopt;
  Requirement r;
  const auto key = expression.find("key");
  const auto op = expression.find("operator");
  if (key == expression.end() || !key->is_string() || op == expression.end() || !op->is_string()) return std::nullopt;
  r.key = key->get<std::string>();
  r.op = op->get<std::string>();
  auto values = string_list(expression, "values");
  if (!values || !is_qualified_name(r.key)) return std::nullopt;
  r.values = std::move(*values);
  if (r.op == "In" || r.op == "NotIn") {
    if (r.values.empty()) return std::nullopt;
  } else if (r.op == "Exists" || r.op == "DoesNotExist") {
    if (!r.values.empty()) return std::nullopt;
  } else if (allow_numeric && (r.op == "Gt" || r.op == "Lt")) {
    if (r.values.size() != 1 || !integer(r.values[0])) return std::nullopt;
  } else {
    return std::nullopt;
  }
  for (const auto& v : r.values) {
    if (!is_label_value(v)) return std::nullopt;
  }
  return r;
}

bool matches(const Requirement& r, const LabelSet& labels) {
  const auto it = labels.find(r.key);
  const bool has = it != labels.end();
  const auto listed = [&] { return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end(); };
  if (r.op == "In") return listed();
  if (r.op == "NotIn") return !listed();
  if (r.op == "Exists") return has;
  if (r.op == "DoesNotExist") return !has;
  if (!has) return false;
  const auto value = integer(it->second);
  const auto bound = integer(r.values[0]);
  if (!value || !bound) return false;
  return r.op == "Gt" ? *value > *bound : *value < *bound;
}

// Karmada's matchZones: a cluster spans its zones, so In needs all of them listed.
bool zones_match(const json& expression, const std::vector<std::string>& zones) {
  const std::string op = expression.value("operator", "");
  const auto values = string_list(expression, "values");
  if (!values) return false;
  const auto listed = [&](const std::string& z) {
    return std::find(values->begin(), values->end(), z) != values->end();
  };
  if (op == "In") return !zones.empty() && std::all_of(zones.begin(), zones.end(), listed);
  if (op == "NotIn") return std::none_of(zones.begin(), zones.end(), listed);
  if (op == "Exists") return !zones.empty();
  if (op == "DoesNotExist") return zones.empty();
  return false;
}

bool field_selector_matches(const json& selector, const ClusterInfo& cluster) {
  if (!selector.is_object()) return false;
  const auto it = selector.find("matchExpressions");
  if (it == selector.end() || it->is_null()) return true;
  if (!it->is_array()) return false;
  LabelSet fields;
  if (!cluster.provider.empty()) fields["provider"] = cluster.provider;
  if (!cluster.region.empty()) fields["region"] = cluster.region;
  for (const json& e : *it) {
    if (e.is_object() && e.value("key", "") == "zone") {
      if (!zones_match(e, cluster.zones)) return false;
      continue;
    }
    const auto r = requirement(e, true);
    if (!r || !matches(*r, fields)) return false;
  }
  return true;
}

bool listed(const json& object, const char* key, const std::string& name) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(),
                     [&](const json& n) { return n.is_string() && n.get<std::string>() == name; });
}

}  // namespace

bool cluster_matches_affinity(const ClusterInfo& cluster, const json& affinity) {
  if (!affinity.is_object()) return true;
  if (listed(affinity, "exclude", cluster.name)) return false;
  if (const auto it = affinity.find("labelSelector"); it != affinity.end() && !it->is_null()) {
    if (!selector_matches(*it, cluster.labels)) return false;
  }
  if (const auto it = affinity.find("fieldSelector"); it != affinity.end() && !it->is_null()) {
    if (!field_selector_matches(*it, cluster)) return false;
  }
  const auto names = affinity.find("clusterNames");
  const bool restricted = names != affinity.end() && names->is_array() && !names->empty();
  return !restricted || listed(affinity, "clusterNames", cluster.name);
}

}  // namespace cell0::policies
