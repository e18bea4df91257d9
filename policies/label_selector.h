// metav1.LabelSelector held as JSON: apimachinery's validation (the error texts Karmada and
// kube-apiserver return) and matching against a label set.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::policies {

// Field errors of a selector at `path` ("path.matchExpressions[0].operator: Invalid value: ...").
std::vector<std::string> label_selector_errors(const nlohmann::json& selector, const std::string& path);

// apimachinery's LabelSelectorAsSelector: {} matches every label set, null matches none (as in a
// PodAffinityTerm), matchLabels and matchExpressions are ANDed; NotIn and DoesNotExist match a
// set without the key. A selector with errors matches nothing.
bool selector_matches(const nlohmann::json& selector, const std::map<std::string, std::string>& labels);

// metadata.labels of an object (string values only).
std::map<std::string, std::string> labels_of(const nlohmann::json& object);

}  // namespace cell0::policies
