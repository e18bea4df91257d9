// The whitelist rule for PropagationPolicy / ClusterPropagationPolicy: a whitelisted policy gets
// a toleration of the pure-control taint; a policy that is not whitelisted may not tolerate it
// (Reject: denied; Strip: explicit tolerations removed, a key-less wildcard still denied; Warn:
// admitted with a warning).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "policies/rule_support.h"

namespace cell0::policies {

inline constexpr const char* kTolerationRule = "pure-control-toleration";

// Kubernetes toleration semantics against a value-less taint key:effect.
bool tolerates(const nlohmann::json& toleration, const Taint& taint);
// No key and operator Exists: tolerates every taint (of its effect, or of all when none).
bool is_wildcard(const nlohmann::json& toleration);

// PP: its namespace matches whitelist.namespaces. CPP: it has resource selectors and every one
// matches a whitelist.resources entry.
bool is_whitelisted(const nlohmann::json& policy_object, const std::string& kind, const std::string& namespace_,
                    const Whitelist& whitelist);

void apply_toleration_rule(nlohmann::json& policy_object, const RuleContext& ctx, RuleOutcome& out);

}  // namespace cell0::policies
