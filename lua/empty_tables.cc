#include "lua/empty_tables.h"

#include <string>
#include <unordered_set>

namespace cell0::lua {
namespace {

using nlohmann::json;

std::string escape_key(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '.' || c == ':') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? escape_key(key) : path + "." + escape_key(key);
}

struct EmptyPaths {
  std::unordered_set<std::string> arrays;   // EA
  std::unordered_set<std::string> objects;  // EO
};

void collect(const json& v, const std::string& path, EmptyPaths& out) {
  if (v.is_object()) {
    if (v.empty()) {
      if (!path.empty()) out.objects.insert(path);
      return;
    }
    for (const auto& [k, e] : v.items()) collect(e, join(path, k), out);
  } else if (v.is_array()) {
    if (v.empty()) {
      if (!path.empty()) out.arrays.insert(path);
      return;
    }
    for (const auto& e : v) collect(e, path, out);
  }
}

struct Marks {
  std::vector<json::json_pointer> make_object;
  std::vector<json::json_pointer> remove;
};

void mark(const json& v, const std::string& path, const json::json_pointer& where,
          const EmptyPaths& refs, Marks& marks) {
  if (v.is_object()) {
    for (const auto& [k, e] : v.items()) {
      const std::string p = join(path, k);
      const json::json_pointer w = where / k;
      if (e.is_array() && e.empty()) {
        if (refs.objects.count(p)) {
          marks.make_object.push_back(w);
        } else if (!refs.arrays.count(p)) {
          marks.remove.push_back(w);
        }
        continue;
      }
      mark(e, p, w, refs, marks);
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& e = v[i];
      const json::json_pointer w = where / i;
      if (e.is_array() && e.empty()) {
        if (refs.objects.count(path)) {
          marks.make_object.push_back(w);
        } else if (!refs.arrays.count(path)) {
          marks.remove.push_back(w);
        }
        continue;
      }
      mark(e, path, w, refs, marks);
    }
  }
}

void erase_at(json& root, const json::json_pointer& ptr) {
  json& parent = root[ptr.parent_pointer()];
  const std::string& last = ptr.back();
  if (parent.is_object()) {
    parent.erase(last);
  } else if (parent.is_array()) {
    parent.erase(static_cast<std::size_t>(std::stoul(last)));
  }
}

}  // namespace

json repair_empty_tables(json encoded, const std::vector<const json*>& references, RepairTarget target) {
  if (encoded.is_array() && encoded.empty()) {
    return target == RepairTarget::Object ? json::object() : json::array();
  }
  EmptyPaths refs;
  for (const json* r : references) {
    if (r != nullptr) collect(*r, "", refs);
  }
  Marks marks;
  mark(encoded, "", json::json_pointer(), refs, marks);
  for (const auto& p : marks.make_object) encoded[p] = json::object();
  // Reverse document order: removing an array element never shifts a mark still to go.
  for (auto it = marks.remove.rbegin(); it != marks.remove.rend(); ++it) erase_at(encoded, *it);
  return encoded;
}

}  // namespace cell0::lua
