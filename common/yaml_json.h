// YAML -> JSON as Kubernetes tooling reads it (sigs.k8s.io/yaml over go-yaml v2): plain scalars
// resolve to null, booleans (YAML 1.1: true/false, yes/no, on/off, y/n), integers and floats;
// quoted scalars stay strings.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cell0::common {

// Every non-empty document of a multi-document YAML text. Invalid ("line N, column M: ...") when
// the text is not YAML.
Result<std::vector<nlohmann::json>> parse_yaml_documents(const std::string& text);

// The same for a file; the error names the file (Io when it cannot be read).
Result<std::vector<nlohmann::json>> load_yaml_file(const std::filesystem::path& path);

// The single object a YAML file holds; an error naming the file otherwise.
Result<nlohmann::json> load_single_object(const std::filesystem::path& path);

// Prints JSON as block YAML (for `interpret` output).
std::string to_yaml(const nlohmann::json& value);

}  // namespace cell0::common
