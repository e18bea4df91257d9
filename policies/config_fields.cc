#include "policies/config_fields.h"

#include "policies/label_syntax.h"

namespace cell0::policies::config {

using nlohmann::json;

void fail(const std::string& path, const std::string& what) { throw FieldError(path + ": " + what); }

std::string type_name(const json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a mapping";
  return "null";
}

namespace {

// A key as it appears in an error: quoted and escaped when it holds control characters, so a NUL
// cannot cut the message short (what() is a C string) and the log line stays one line.
std::string printable_key(const std::string& key) {
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return json(key).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return key;
}

}  // namespace

std::string join(const std::string& parent, const std::string& key) {
  return parent.empty() ? printable_key(key) : parent + "." + printable_key(key);
}

const json& mapping(const json& value, const std::string& path, std::set<std::string> known) {
  static const json empty = json::object();
  if (value.is_null()) return empty;
  if (!value.is_object()) fail(path.empty() ? "policy" : path, "must be a mapping, got " + type_name(value));
  for (const auto& [key, v] : value.items()) {
    if (!known.contains(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(join(path, key), "unknown field (known: " + list + ")");
    }
  }
  return value;
}

void read_string(const json& parent, const std::string& path, const std::string& key, std::string& out) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return;
  if (!it->is_string()) fail(join(path, key), "must be a string, got " + type_name(*it));
  out = it->get<std::string>();
}

void read_strings(const json& parent, const std::string& path, const std::string& key, std::vector<std::string>& out) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return;
  const std::string p = join(path, key);
  if (!it->is_array()) fail(p, "must be a list of strings, got " + type_name(*it));
  out.clear();
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_string()) fail(p + "[" + std::to_string(i) + "]", "must be a string, got " + type_name(item));
    out.push_back(item.get<std::string>());
  }
}

void require_qualified(const std::string& path, const std::string& value) {
  if (!is_qualified_name(value)) {
    fail(path, "\"" + value + "\" is not a valid label key ([prefix/]name, name of at most 63 of [A-Za-z0-9._-])");
  }
}

}  // namespace cell0::policies::config
