// Cell0 two-AZ zone rules (DESIGN.md "Cell0 two-AZ zone policies"), pure functions on JSON.
//
// Pods (CREATE): an arbitration service gets the arbitration toleration unless it tolerates the
// taint already; every other pod in an opted-in namespace gets the required node affinity
// `<zoneLabel> NotIn [<arbitrationZone>]` in every nodeSelectorTerm (or as the only term) and may
// not tolerate the arbitration taint (zones.enforcement). DaemonSet pods and static (mirror) pods
// are left alone. Deployments / StatefulSets (CREATE, UPDATE): warnings only.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "policies/namespace_info.h"
#include "policies/rule_support.h"

namespace cell0::policies {

inline constexpr const char* kZoneTolerationRule = "zone-arbitration-toleration";
inline constexpr const char* kZoneAffinityRule = "zone-node-affinity";
inline constexpr const char* kZoneWorkloadRule = "zone-workload";
// A namespace annotated with this key and the value "true" is opted in like a name in zones.namespaces.
inline constexpr const char* kZoneOptInAnnotation = "descheduler.ccos.io/include";

// Why the zone rules leave a pod alone ("DaemonSet pod", "static (mirror) pod"), or nullopt.
std::optional<std::string> zone_exemption(const nlohmann::json& pod);
// The arbitration service a pod (or pod template) with these labels in this namespace belongs
// to, or nullptr.
const ArbitrationService* arbitration_service_of(const std::map<std::string, std::string>& labels,
                                                 const std::string& namespace_, const Zones& zones);
// How a namespace is opted in: "namespace glob" / "annotation <key>", or nullopt when it is not.
std::optional<std::string> zone_opt_in(const std::string& namespace_, const Zones& zones,
                                       const NamespaceSnapshot& namespaces);
// A pod whose affinity or tolerations have the wrong JSON types (the request is unusable), or nullopt.
std::optional<std::string> pod_shape_error(const nlohmann::json& pod);

void apply_pod_zone_rule(nlohmann::json& pod, const RuleContext& ctx, const NamespaceSnapshot& namespaces,
                         RuleOutcome& out);
void apply_workload_zone_rule(const nlohmann::json& workload, const RuleContext& ctx, RuleOutcome& out);

}  // namespace cell0::policies
