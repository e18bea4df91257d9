// YAML -> JSON as Kubernetes tooling reads it (sigs.k8s.io/yaml over go-yaml v2): plain scalars
// resolve to null, booleans (YAML 1.1: true/false, yes/no, on/off, y/n), integers and floats;
// quoted scalars stay strings.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::common {

class YamlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every non-empty document of a multi-document YAML text. Throws YamlError ("line N: ...").
std::vector<nlohmann::json> parse_yaml_documents(const std::string& text);

// The same for a file; the error names the file.
std::vector<nlohmann::json> load_yaml_file(const std::filesystem::path& path);

// The single object a YAML file holds; YamlError naming the file otherwise.
nlohmann::json load_single_object(const std::filesystem::path& path);

// Prints JSON as block YAML (for `interpret` output).
std::string to_yaml(const nlohmann::json& value);

}  // namespace cell0::common
