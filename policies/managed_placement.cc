#include "policies/managed_placement.h"

#include "policies/admission_chain.h"
#include "policies/rule_support.h"
#include "policies/zone_placement.h"

namespace cell0::policies {

using nlohmann::json;

bool is_managed_placement(const json& object) { return annotation(object, kManagedPlacementAnnotation).has_value(); }

ManagedPlacementPlan plan_managed_placement(const json& object, const ClusterSnapshot& clusters, const Policy& policy) {
  ManagedPlacementPlan plan;
  plan.managed = is_managed_placement(object);
  if (!plan.managed || !clusters) return plan;
  // The same rules as an UPDATE that changes nothing: the result is what the webhook would store.
  AdmissionInput in;
  in.operation = Operation::Update;
  in.object = object;
  in.old_object = object;
  in.clusters = clusters;
  const Decision d = mutate(in, policy);
  if (!d.allowed) {
    plan.error = d.message;
    return plan;
  }
  plan.patch = json::diff(object, d.object);
  return plan;
}

}  // namespace cell0::policies
