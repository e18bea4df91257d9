// A small validator for the structural OpenAPI v3 schemas of CRDs (what kube-apiserver checks
// before admission): type, properties, required, items, additionalProperties, enum, nullable,
// x-kubernetes-preserve-unknown-fields / -int-or-string / -embedded-resource, and the formats the
// apiserver enforces (byte, int32, int64). Unknown fields are reported, as `kubectl apply
// --validate=strict` would, instead of being pruned silently. Written for the deploy test;
// shareable by any test that checks objects against a CRD (include it from tests/deploy).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::testing {

// Each error as "<json pointer>: <what>"; empty when the value is valid.
std::vector<std::string> validate_structural(const nlohmann::json& schema, const nlohmann::json& value);

// The openAPIV3Schema of `version` (default: the storage version) in a CRD document.
std::optional<nlohmann::json> crd_schema(const nlohmann::json& crd, const std::string& version = {});

}  // namespace cell0::testing
