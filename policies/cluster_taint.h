// The pure-control Cluster rule: a marked cluster (label "true" or listed by name) carries exactly
// one pure-control taint in spec.taints; an unmarked cluster loses it; dropping it from a cluster that is
// still marked is denied by /validate (and left alone by /mutate, so the denial is what the user sees).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/rule_support.h"

namespace cell0::policies {

inline constexpr const char* kClusterTaintRule = "pure-control-taint";

bool is_pure_control(const nlohmann::json& cluster, const PureControl& config);
void apply_cluster_taint_rule(nlohmann::json& cluster, const RuleContext& ctx, RuleOutcome& out);
// Karmada's Cluster taint validation: effect NoSchedule or NoExecute, valid key and value,
// key+effect unique. Messages are "spec.taints[i]...: ...".
std::vector<std::string> validate_cluster_taints(const nlohmann::json& cluster);

}  // namespace cell0::policies
