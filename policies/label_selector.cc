#include "policies/label_selector.h"

#include <algorithm>

#include "policies/label_syntax.h"
#include "policies/rule_support.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

const json& list_or_empty(const json& object, const char* key) {
  static const json empty = json::array();
  if (!object.is_object()) return empty;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : empty;
}

bool expression_matches(const json& e, const std::map<std::string, std::string>& labels) {
  const std::string key = string_at(e, {"key"}), op = string_at(e, {"operator"});
  const json& values = list_or_empty(e, "values");
  auto it = labels.find(key);
  const bool present = it != labels.end();
  const bool listed = present && std::any_of(values.begin(), values.end(), [&](const json& v) {
                        return v.is_string() && v.get<std::string>() == it->second;
                      });
  if (op == "In") return listed;
  if (op == "NotIn") return !listed;
  if (op == "Exists") return present;
  if (op == "DoesNotExist") return !present;
  return false;
}

}  // namespace

std::vector<std::string> label_selector_errors(const json& sel, const std::string& path) {
  std::vector<std::string> errors;
  if (!sel.is_object()) return errors;
  if (const json* labels = find_path(sel, {"matchLabels"}); labels && labels->is_object()) {
    for (const auto& [k, v] : labels->items()) {
      if (!is_qualified_name(k))
        errors.push_back(path + ".matchLabels: Invalid value: \"" + k + "\": not a valid label key");
      if (!v.is_string() || !is_label_value(v.get<std::string>())) {
        errors.push_back(path + ".matchLabels[" + k + "]: Invalid value: not a valid label value");
      }
    }
  }
  const json& exprs = list_or_empty(sel, "matchExpressions");
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    const json& e = exprs[i];
    const std::string p = path + ".matchExpressions[" + std::to_string(i) + "]";
    const std::string key = string_at(e, {"key"}), op = string_at(e, {"operator"});
    const std::size_t values = list_or_empty(e, "values").size();
    if (!is_qualified_name(key)) errors.push_back(p + ".key: Invalid value: \"" + key + "\": not a valid label key");
    if (op == "In" || op == "NotIn") {
      if (values == 0)
        errors.push_back(p + ".values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (values > 0)
        errors.push_back(p + ".values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else {
      errors.push_back(p + ".operator: Invalid value: \"" + op + "\": not a valid selector operator");
    }
  }
  return errors;
}

bool selector_matches(const json& sel, const std::map<std::string, std::string>& labels) {
  if (!sel.is_object() || !label_selector_errors(sel, "").empty()) return false;
  if (const json* wanted = find_path(sel, {"matchLabels"}); wanted && wanted->is_object()) {
    for (const auto& [k, v] : wanted->items()) {
      auto it = labels.find(k);
      if (it == labels.end() || !v.is_string() || it->second != v.get<std::string>()) return false;
    }
  }
  const json& exprs = list_or_empty(sel, "matchExpressions");
  return std::all_of(exprs.begin(), exprs.end(), [&](const json& e) { return expression_matches(e, labels); });
}

std::map<std::string, std::string> labels_of(const json& object) {
  std::map<std::string, std::string> out;
  const json* labels = find_path(object, {"metadata", "labels"});
  if (!labels || !labels->is_object()) return out;
  for (const auto& [k, v] : labels->items()) {
    if (v.is_string()) out.emplace(k, v.get<std::string>());
  }
  return out;
}

}  // namespace cell0::policies
