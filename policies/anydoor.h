// Anydoor gateway placement. A PP/CPP is an anydoor policy when it carries the scenario
// annotation or one of its resource selectors names a gateway kind (anydoor.gatewayKinds); a
// gateway policy without a scenario is denied. An anydoor policy is never a platform policy: it
// never tolerates the pure-control taint (an explicit toleration is removed with a warning), and
// it is placed on business clusters with a placement fully specified, so neither Karmada's
// defaulting nor the webhook call order changes its meaning (reference karmada-scheduling.md §1, §4):
//   every scenario        clusterAffinity.labelSelector ⊇ {<businessClusterLabel> In [true]}
//   Egress, Ingress*      also {<vpcClusterLabelPrefix><vpc> In [true]} (the vpc annotation is
//                         required); unless set by the user: spreadConstraints [{cluster,
//                         minGroups: minZones, maxGroups: maxClusters}] and Divided / Weighted /
//                         dynamicWeight AvailableReplicas (no zone constraint: Karmada does not
//                         implement zone spread, it would only filter clusters)
//   CellAgent             replicaScheduling Duplicated, no spread constraints
// A user-set placement that Karmada would ignore or reject gets a warning (placement_advice.h).
// With clusterAffinities (Karmada's ordered groups) every group and overflow group gets the
// expressions instead, as clusterAffinity may not co-exist with it.
#pragma once

#include <array>
#include <string_view>

#include <nlohmann/json.hpp>

#include "policies/rule_support.h"

namespace cell0::policies {

inline constexpr const char* kAnydoorRule = "anydoor-placement";
inline constexpr std::array<std::string_view, 4> kAnydoorScenarios{"Egress", "IngressManaged", "IngressTenant",
                                                                   "CellAgent"};

// One of the policy's resource selectors names a gateway kind.
bool selects_gateway(const nlohmann::json& policy_object, const Anydoor& config);
// The scenario annotation is set, or the policy selects a gateway.
bool is_anydoor(const nlohmann::json& policy_object, const Anydoor& config);
void apply_anydoor_rule(nlohmann::json& policy_object, const RuleContext& ctx, RuleOutcome& out);

}  // namespace cell0::policies
