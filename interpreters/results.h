// Script results passed through the Go types Karmada decodes them into: unknown keys dropped,
// omitempty fields omitted, type errors reported, quantities canonical.
#pragma once

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace cell0::interp {

// Thrown for a result that Karmada's typed decoding would reject.
class TypedResultError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ReplicaRequirements{nodeClaim{hardNodeAffinity,nodeSelector,tolerations}, resourceRequest,
// namespace, priorityClassName}; null when nothing is left.
nlohmann::json typed_replica_requirements(const nlohmann::json& value);

// []Component{name, replicas, replicaRequirements}.
nlohmann::json typed_components(const nlohmann::json& value);

// []DependentObjectReference{apiVersion, kind, namespace, name, labelSelector}, validated.
nlohmann::json typed_dependencies(const nlohmann::json& value);

// De-duplicated and sorted by (apiVersion, kind, namespace, name).
nlohmann::json sort_dependencies(nlohmann::json deps);

// An Unstructured needs a kind: "Object 'Kind' is missing in '<json>'".
void check_object_kind(const nlohmann::json& object);

}  // namespace cell0::interp
