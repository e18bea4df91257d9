// The pod helpers behind kube.accuratePodRequirements and kube.getPodDependencies
// (Karmada's GenerateReplicaRequirements and GetDependenciesFromPodTemplate), on JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cell0::lua {

// `pod_template_spec` is a PodTemplateSpec `{metadata, spec}`. Returns
// `{nodeClaim:{nodeSelector,tolerations,hardNodeAffinity}, resourceRequest:{cpu:"1300m",...}}`
// holding only the non-empty parts, or null when both are empty. Throws std::runtime_error
// (QuantityError for a bad quantity) where Go's json.Unmarshal into a PodTemplateSpec fails,
// with Go's message.
nlohmann::json accurate_pod_requirements(const nlohmann::json& pod_template_spec);

// `[{apiVersion:"v1", kind, namespace, name}]` for the ConfigMaps, Secrets, ServiceAccount and
// PersistentVolumeClaims the pod template refers to (in that kind order, names sorted), or null
// when there are none. An empty namespace is omitted like Go's `omitempty`.
nlohmann::json pod_dependencies(const nlohmann::json& pod_template_spec, const std::string& namespace_);

}  // namespace cell0::lua
