// Lenient reads of one member of a JSON object: what the decoders of Kubernetes objects need when
// a missing or mistyped field means "not set" rather than an error.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cell0::common {

// The member `key` of `object`, or nullptr when `object` is not an object or lacks it.
inline const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// The string member `key`, or "" when it is absent or not a string.
inline std::string string_member(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

}  // namespace cell0::common
