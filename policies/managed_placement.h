// The placement reconciler's plan for one anydoor policy it manages (annotation
// anydoor.ccos.io/managed-placement): what /mutate would write now, given the current Clusters,
// as a JSON Patch of the stored object. Empty when nothing changes, the policy is not managed, or
// there is no inventory (the webhook would keep the set as it is).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "policies/cluster_info.h"
#include "policies/policy_config.h"

namespace cell0::policies {

struct ManagedPlacementPlan {
  bool managed = false;
  nlohmann::json patch = nlohmann::json::array();  // RFC 6902, empty: nothing to do
  std::string error;                               // the webhook would deny the stored object
};

bool is_managed_placement(const nlohmann::json& policy_object);
ManagedPlacementPlan plan_managed_placement(const nlohmann::json& policy_object, const ClusterSnapshot& clusters,
                                            const Policy& policy);

}  // namespace cell0::policies
