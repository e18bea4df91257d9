// The pure-control Cluster rule: a marked cluster (label "true" or listed by name) carries exactly
// one taint with the reserved key, the canonical one (the policy's key, value and effect); every
// variant (`pure-control-cluster=true:NoSchedule`, another effect) is replaced by it, since a
// variant could be tolerated by a tenant toleration that does not tolerate the canonical taint
// (reference karmada-scheduling.md §6). An unmarked cluster keeps no taint with the key. Dropping
// the taint from a cluster that is still marked is denied by /validate (and left alone by
// /mutate, so the denial is what the user sees).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/rule_support.h"

namespace cell0::policies {

inline constexpr const char* kClusterTaintRule = "pure-control-taint";

bool is_pure_control(const nlohmann::json& cluster, const PureControl& config);
// A spec.taints element with the reserved key (any value or effect).
bool has_reserved_key(const nlohmann::json& taint, const Taint& config);
// Exactly the configured taint: key, value (absent counts as "") and effect.
bool is_canonical_taint(const nlohmann::json& taint, const Taint& config);
nlohmann::json canonical_taint(const Taint& config);
// "key:effect" or "key=value:effect".
std::string taint_text(const Taint& taint);

void apply_cluster_taint_rule(nlohmann::json& cluster, const RuleContext& ctx, RuleOutcome& out);
// Karmada's Cluster taint validation: effect NoSchedule or NoExecute, valid key and value,
// key+effect unique. Messages are "spec.taints[i]...: ...".
std::vector<std::string> validate_cluster_taints(const nlohmann::json& cluster);

}  // namespace cell0::policies
