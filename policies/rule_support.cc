#include "policies/rule_support.h"

namespace cell0::policies {

using nlohmann::json;

const json* find_path(const json& root, std::initializer_list<const char*> path) {
  const json* at = &root;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

json* find_path(json& root, std::initializer_list<const char*> path) {
  return const_cast<json*>(find_path(static_cast<const json&>(root), path));
}

json& ensure_object(json& root, std::initializer_list<const char*> path) {
  json* at = &root;
  if (!at->is_object()) *at = json::object();
  for (const char* key : path) {
    json& next = (*at)[key];
    if (!next.is_object()) next = json::object();
    at = &next;
  }
  return *at;
}

std::string string_at(const json& root, std::initializer_list<const char*> path) {
  const json* v = find_path(root, path);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

namespace {
std::optional<std::string> metadata_entry(const json& object, const char* map, const std::string& key) {
  const json* m = find_path(object, {"metadata", map});
  if (!m || !m->is_object()) return std::nullopt;
  auto it = m->find(key);
  if (it == m->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}
}  // namespace

std::optional<std::string> annotation(const json& object, const std::string& key) {
  return metadata_entry(object, "annotations", key);
}

std::optional<std::string> label(const json& object, const std::string& key) {
  return metadata_entry(object, "labels", key);
}

std::string describe(const json& object, const std::string& kind, const std::string& namespace_) {
  std::string name = string_at(object, {"metadata", "name"});
  if (name.empty()) name = string_at(object, {"metadata", "generateName"}) + "<generated>";
  if (!namespace_.empty()) return kind + " " + namespace_ + "/" + name;  // namespaced kinds
  return kind + " " + name;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace cell0::policies
