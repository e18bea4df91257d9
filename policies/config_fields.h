// Reading the policy file's sections: typed fields with errors that name the field path
// ("whitelist.enforcement: must be one of ..."). Every section parser throws FieldError, which
// parse_policy turns into the load error.
#pragma once

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::policies::config {

struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& path, const std::string& what);
// "an integer", "a string", "a list", ... for messages.
std::string type_name(const nlohmann::json& v);
// parent.key, the key quoted and escaped when it holds control characters.
std::string join(const std::string& parent, const std::string& key);
// A mapping whose keys must all be known. null counts as an empty mapping (a YAML key with no value).
const nlohmann::json& mapping(const nlohmann::json& value, const std::string& path, std::set<std::string> known);
// Absent or null keys leave `out` as it is (the default).
void read_string(const nlohmann::json& parent, const std::string& path, const std::string& key, std::string& out);
void read_strings(const nlohmann::json& parent, const std::string& path, const std::string& key,
                  std::vector<std::string>& out);
void require_qualified(const std::string& path, const std::string& value);
// Reject | Strip | Warn from the string at path.key (absent: `out` unchanged).
template <typename E>
void read_enum(const nlohmann::json& parent, const std::string& path, const std::string& key,
               const std::vector<std::pair<std::string, E>>& names, E& out) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return;
  std::string list;
  for (const auto& [name, value] : names) {
    list += (list.empty() ? "" : ", ") + name;
    if (it->is_string() && it->get<std::string>() == name) {
      out = value;
      return;
    }
  }
  const std::string got = it->is_string() ? "\"" + it->get<std::string>() + "\"" : type_name(*it);
  fail(join(path, key), "must be one of " + list + ", got " + got);
}

}  // namespace cell0::policies::config
