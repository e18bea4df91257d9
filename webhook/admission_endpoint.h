// POST /mutate and POST /validate: the AdmissionReview codec in front of the policies chain.
// A malformed review is answered HTTP 400 (an AdmissionReview whose status says why); every
// decodable review HTTP 200 with the uid echoed, also when no policy has loaded yet (denied, 503).
#pragma once

#include <functional>
#include <memory>

#include "policies/cluster_info.h"
#include "policies/policy_config.h"
#include "webhook/server.h"

namespace cell0::webhook {

using PolicySource = std::function<std::shared_ptr<const policies::Policy>()>;
// The cluster inventory of the moment (null without one); empty function: no inventory.
using ClusterSource = std::function<policies::ClusterSnapshot()>;

// Admission reviews may be up to 8 MiB (object and oldObject of 3 MiB each, plus the envelope).
inline constexpr std::size_t kAdmissionMaxBodyBytes = 8u << 20;

JsonEndpoint mutate_endpoint(PolicySource policy, ClusterSource clusters = {});
JsonEndpoint validate_endpoint(PolicySource policy, ClusterSource clusters = {});

}  // namespace cell0::webhook
