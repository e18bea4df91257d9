// Anydoor gateway placement. A PP/CPP with the scenario annotation never tolerates the
// pure-control taint and is placed on business clusters:
//   every scenario        clusterAffinity.labelSelector ⊇ {<businessClusterLabel> In [true]}
//   Egress, Ingress*      also {<vpcClusterLabelPrefix><vpc> In [true]} (the vpc annotation is
//                         required), and when unset: spread over >= minZones zones and clusters,
//                         replicaScheduling Divided
//   CellAgent             replicaScheduling Duplicated, no spread constraints
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

bool is_anydoor(const nlohmann::json& policy_object, const Anydoor& config);
void apply_anydoor_rule(nlohmann::json& policy_object, const RuleContext& ctx, RuleOutcome& out);

}  // namespace cell0::policies
