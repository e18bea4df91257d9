// Test-only, shared by the policies and deploy tests: checks an object against a CRD's OpenAPI v3
// structural schema the way the apiserver would refuse it (type, properties, required, enum, items,
// additionalProperties, minimum/maximum, minItems/maxItems, minLength/maxLength, pattern, and the
// formats byte and int32). Other formats and x-kubernetes-* markers are ignored, except
// x-kubernetes-preserve-unknown-fields and x-kubernetes-int-or-string. Unlike the
// apiserver, which prunes unknown fields silently, an unknown field is an error here: a rule that
// writes a misspelt field must fail the test.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::testing {

// The openAPIV3Schema of the CRD's storage version.
nlohmann::json load_crd_schema(const std::filesystem::path& crd_file);

// "spec.placement.spreadConstraints[0].spreadByField: ..." for each violation.
std::vector<std::string> schema_errors(const nlohmann::json& value, const nlohmann::json& schema);

}  // namespace cell0::testing
