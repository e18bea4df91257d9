#include "tests/deploy/structural_schema.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace cell0::testing {
namespace {

using nlohmann::json;

std::string type_of(const json& v) {
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  return "null";
}

bool is_base64(const std::string& s) {
  // As Go's base64.StdEncoding decodes it: CR and LF are skipped, padding is required.
  std::size_t n = 0;
  std::size_t pad = 0;
  for (char c : s) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++pad;
    } else if (pad > 0 || !(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) {
      return false;
    }
    ++n;
  }
  return n % 4 == 0 && pad <= 2;
}

class Validator {
 public:
  std::vector<std::string> errors;

  void check(const json& schema, const json& value, const std::string& path) {
    if (value.is_null()) {
      if (!schema.value("nullable", false) && schema.contains("type")) errors.push_back(at(path) + "must not be null");
      return;
    }
    if (schema.value("x-kubernetes-int-or-string", false)) {
      if (!value.is_string() && type_of(value) != "integer") errors.push_back(at(path) + "must be an integer or a string");
      return;
    }
    const std::string want = schema.value("type", "");
    const std::string have = type_of(value);
    if (!want.empty() && want != have && !(want == "number" && have == "integer")) {
      errors.push_back(at(path) + "must be of type " + want + ", got " + have);
      return;
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const auto& e : schema["enum"]) found = found || e == value;
      if (!found) errors.push_back(at(path) + "must be one of " + schema["enum"].dump() + ", got " + value.dump());
    }
    check_format(schema.value("format", ""), value, path);
    if (value.is_object()) check_object(schema, value, path);
    if (value.is_array() && schema.contains("items")) {
      for (std::size_t i = 0; i < value.size(); ++i) check(schema["items"], value[i], path + "/" + std::to_string(i));
    }
  }

 private:
  static std::string at(const std::string& path) { return (path.empty() ? "/" : path) + ": "; }

  void check_format(const std::string& format, const json& value, const std::string& path) {
    if (format == "byte" && value.is_string() && !is_base64(value.get<std::string>())) {
      errors.push_back(at(path) + "must be base64 (format byte)");
    }
    if (format == "int32" && value.is_number_integer()) {
      const auto v = value.get<std::int64_t>();
      if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) {
        errors.push_back(at(path) + "out of int32 range");
      }
    }
  }

  void check_object(const json& schema, const json& value, const std::string& path) {
    for (const auto& r : schema.value("required", json::array())) {
      if (!value.contains(r.get<std::string>())) errors.push_back(at(path) + "missing required field \"" + r.get<std::string>() + "\"");
    }
    const bool embedded = schema.value("x-kubernetes-embedded-resource", false);
    const json props = schema.value("properties", json::object());
    const json additional = schema.value("additionalProperties", json());
    const bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
    for (const auto& [key, child] : value.items()) {
      const std::string child_path = path + "/" + key;
      if (path.empty() && key == "metadata") {
        // ObjectMeta is validated by the apiserver itself, not by the CRD schema.
        if (!child.is_object()) errors.push_back(at(child_path) + "must be an object");
      } else if (props.contains(key)) {
        check(props[key], child, child_path);
      } else if (additional.is_object()) {
        check(additional, child, child_path);
      } else if (additional.is_boolean() && additional.get<bool>()) {
        continue;
      } else if (embedded && (key == "apiVersion" || key == "kind" || key == "metadata")) {
        continue;
      } else if (!preserve) {
        errors.push_back(at(path) + "unknown field \"" + key + "\"");
      }
    }
  }
};

}  // namespace

std::vector<std::string> validate_structural(const json& schema, const json& value) {
  Validator v;
  v.check(schema, value, "");
  return v.errors;
}

std::optional<json> crd_schema(const json& crd, const std::string& version) {
  for (const auto& v : crd.value("spec", json::object()).value("versions", json::array())) {
    const bool match = version.empty() ? v.value("storage", false) : v.value("name", "") == version;
    if (match && v.contains("schema") && v["schema"].contains("openAPIV3Schema")) return v["schema"]["openAPIV3Schema"];
  }
  return std::nullopt;
}

}  // namespace cell0::testing
