#include "field_table.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cell0::test {

namespace {

// ".spec.componentSpecs[].name" -> {"spec", "componentSpecs", "[]", "name"}
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path.compare(i, 2, "[]") == 0) {
      out.emplace_back("[]");
      i += 2;
    } else if (path[i] == '.') {
      std::size_t end = path.find_first_of(".[", i + 1);
      if (end == std::string::npos) end = path.size();
      out.push_back(path.substr(i + 1, end - i - 1));
      i = end;
    } else {
      throw std::runtime_error("bad field path " + path);
    }
  }
  return out;
}

std::vector<std::string> enum_values(const std::string& type) {
  std::vector<std::string> out;
  auto at = type.find("enum=");
  if (at == std::string::npos) return out;
  std::string list = type.substr(at + 5);
  list = list.substr(0, list.find(' '));
  std::stringstream ss(list);
  for (std::string v; std::getline(ss, v, ',');) out.push_back(v);
  return out;
}

nlohmann::json leaf(const std::string& type, int variant) {
  const std::string base = type.substr(0, type.find(' '));
  if (base == "object") return nlohmann::json::object();
  if (base == "array") return nlohmann::json::array();
  if (base == "integer") return 1;
  if (base == "boolean") return variant == 0;
  if (base == "string") {
    auto values = enum_values(type);
    if (values.empty()) return "x";
    if (variant == 1) return values.back();
    for (const auto& v : values) {
      if (v == "Running") return v;
    }
    return values.front();
  }
  return "1";  // int-or-string and quantities have no type in the table
}

}  // namespace

bool FieldTable::has_children(const std::string& path) const {
  for (const std::string& prefix : {path + ".", path + "["}) {
    auto it = types.lower_bound(prefix);
    if (it != types.end() && it->first.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

// Listed itself, or implied by a listed child (the table has no line for .spec or .status).
bool FieldTable::listed(const std::string& path) const { return types.count(path) != 0 || has_children(path); }

FieldTable::Check FieldTable::check(const std::vector<std::string>& segments) const {
  std::string cur;
  for (const auto& seg : segments) {
    std::string next = seg == "[]" ? cur + "[]" : cur + "." + seg;
    if (!listed(next) && seg != "[]" && listed(cur + ".<key>")) next = cur + ".<key>";
    if (!listed(next)) {
      // The table is a depth-limited walk: below an object it lists nothing under, it cannot say.
      if (!cur.empty() && !has_children(cur)) return {Verdict::Opaque, next};
      return {Verdict::Unknown, next};
    }
    cur = next;
  }
  return {Verdict::Known, cur};
}

nlohmann::json FieldTable::sample(int variant) const {
  nlohmann::json root = nlohmann::json::object();
  for (const auto& [path, type] : types) {
    auto segments = split_path(path);
    nlohmann::json* node = &root;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const bool last = i + 1 == segments.size();
      const std::string& seg = segments[i];
      const std::string key = seg == "<key>" ? "k" : seg;
      if (seg == "[]") {
        if (!node->is_array()) *node = nlohmann::json::array();
        if (node->empty()) node->push_back(last ? leaf(type, variant) : nlohmann::json::object());
        node = &(*node)[0];
      } else {
        if (!node->is_object()) *node = nlohmann::json::object();
        if (!node->contains(key)) (*node)[key] = last ? leaf(type, variant) : nlohmann::json::object();
        node = &(*node)[key];
      }
    }
  }
  return root;
}

std::map<std::string, FieldTable> load_field_tables(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::map<std::string, FieldTable> tables;
  FieldTable* current = nullptr;
  for (std::string line; std::getline(in, line);) {
    const std::string header = "## apps.kubeblocks.io/";
    if (line.compare(0, header.size(), header) == 0) {
      const std::string version = line.substr(header.size(), line.find(' ', header.size()) - header.size());
      current = &tables[version];
      continue;
    }
    if (current == nullptr || line.empty() || line[0] != '.') continue;
    auto colon = line.find(": ");
    if (colon == std::string::npos) colon = line.rfind(':');
    const std::string path = line.substr(0, colon);
    const std::string type = colon + 2 <= line.size() ? line.substr(std::min(colon + 2, line.size())) : "";
    current->types[path] = type;
  }
  return tables;
}

}  // namespace cell0::test
