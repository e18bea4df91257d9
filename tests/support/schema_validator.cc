#include "tests/support/schema_validator.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <regex>
#include <stdexcept>

#include "common/yaml_json.h"

namespace cell0::testing {

using nlohmann::json;

namespace {

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

// As Go's base64.StdEncoding reads a []byte field: CR and LF are skipped, padding is required.
bool is_base64(const std::string& s) {
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

bool type_matches(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  return true;
}

void check(const json& v, const json& schema, const std::string& path, std::vector<std::string>& errors) {
  const std::string where = path.empty() ? "<root>" : path;
  if (!schema.is_object()) return;
  if (v.is_null()) {
    if (!schema.value("nullable", false)) errors.push_back(where + ": null is not allowed");
    return;
  }
  if (schema.value("x-kubernetes-int-or-string", false)) {
    if (!v.is_number_integer() && !v.is_string()) errors.push_back(where + ": must be an integer or a string");
    return;
  }
  if (auto t = schema.find("type"); t != schema.end() && t->is_string() && !type_matches(v, *t)) {
    errors.push_back(where + ": must be of type " + t->get<std::string>() + ", got " + v.dump());
    return;
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool found = false;
    for (const auto& allowed : *e) found = found || allowed == v;
    if (!found) errors.push_back(where + ": " + v.dump() + " is not one of " + e->dump());
  }
  const std::string format = schema.value("format", "");
  if (format == "byte" && v.is_string() && !is_base64(v.get<std::string>())) {
    errors.push_back(where + ": must be base64 (format byte)");
  }
  if (format == "int32" && v.is_number_integer() &&
      (v.get<std::int64_t>() < std::numeric_limits<std::int32_t>::min() ||
       v.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max())) {
    errors.push_back(where + ": " + v.dump() + " is out of the int32 range");
  }
  if (v.is_number()) {
    if (auto m = schema.find("minimum"); m != schema.end() && v.get<double>() < m->get<double>()) {
      errors.push_back(where + ": " + v.dump() + " is less than the minimum " + m->dump());
    }
    if (auto m = schema.find("maximum"); m != schema.end() && v.get<double>() > m->get<double>()) {
      errors.push_back(where + ": " + v.dump() + " is greater than the maximum " + m->dump());
    }
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (auto m = schema.find("minLength"); m != schema.end() && s.size() < m->get<std::size_t>()) {
      errors.push_back(where + ": shorter than " + m->dump());
    }
    if (auto m = schema.find("maxLength"); m != schema.end() && s.size() > m->get<std::size_t>()) {
      errors.push_back(where + ": longer than " + m->dump());
    }
    if (auto p = schema.find("pattern");
        p != schema.end() && !std::regex_search(s, std::regex(p->get<std::string>()))) {
      errors.push_back(where + ": does not match " + p->get<std::string>());
    }
  }
  if (v.is_array()) {
    if (auto m = schema.find("minItems"); m != schema.end() && v.size() < m->get<std::size_t>()) {
      errors.push_back(where + ": fewer than " + m->dump() + " items");
    }
    if (auto m = schema.find("maxItems"); m != schema.end() && v.size() > m->get<std::size_t>()) {
      errors.push_back(where + ": more than " + m->dump() + " items");
    }
    if (auto items = schema.find("items"); items != schema.end()) {
      for (std::size_t i = 0; i < v.size(); ++i) check(v[i], *items, path + "[" + std::to_string(i) + "]", errors);
    }
  }
  if (v.is_object()) {
    if (auto req = schema.find("required"); req != schema.end()) {
      for (const auto& key : *req) {
        if (!v.contains(key.get<std::string>())) errors.push_back(child(path, key) + ": Required value");
      }
    }
    const auto props = schema.find("properties");
    const auto additional = schema.find("additionalProperties");
    const bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
    for (const auto& [key, value] : v.items()) {
      if (props != schema.end() && props->contains(key)) {
        check(value, (*props)[key], child(path, key), errors);
      } else if (additional != schema.end() && additional->is_object()) {
        check(value, *additional, child(path, key), errors);
      } else if (additional != schema.end() && additional->is_boolean() && additional->get<bool>()) {
        continue;
      } else if (props != schema.end() && !preserve) {
        errors.push_back(child(path, key) + ": unknown field");
      }
    }
  }
}

}  // namespace

json load_crd_schema(const std::filesystem::path& crd_file) {
  const auto docs = common::load_yaml_file(crd_file);
  if (!docs) throw std::runtime_error(docs.error().message);
  for (const auto& doc : *docs) {
    if (doc.value("kind", "") != "CustomResourceDefinition") continue;
    for (const auto& version : doc["spec"]["versions"]) {
      if (version.value("storage", false)) return version["schema"]["openAPIV3Schema"];
    }
  }
  throw std::runtime_error(crd_file.string() + ": no storage version schema");
}

std::vector<std::string> schema_errors(const json& value, const json& schema) {
  std::vector<std::string> errors;
  check(value, schema, "", errors);
  return errors;
}

}  // namespace cell0::testing
