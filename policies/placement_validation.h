// Karmada's own validation of a PropagationPolicy / ClusterPropagationPolicy placement
// (pkg/util/validation, reference §5.2), so /validate refuses what karmada-webhook would:
// clusterAffinity xor clusterAffinities, affinity names, label and field selectors, spread
// constraints, toleration operators (Lt/Gt rejected), static weights.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::policies {

// Messages are "<field path>: <what is wrong>", e.g.
// "spec.placement.spreadConstraints: the cluster spread constraint must be enabled ...".
std::vector<std::string> validate_placement(const nlohmann::json& policy_object);

}  // namespace cell0::policies
