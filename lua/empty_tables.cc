#include "lua/empty_tables.h"

#include <string>
#include <unordered_set>

namespace cell0::lua {
namespace {

using nlohmann::json;

void append_key(std::string& path, const std::string& key) {
  if (!path.empty()) path.push_back('.');
  for (char c : key) {
    if (c == '.' || c == ':') path.push_back('\\');
    path.push_back(c);
  }
}

struct EmptyPaths {
  std::unordered_set<std::string> arrays;   // EA
  std::unordered_set<std::string> objects;  // EO
};

// `path` is a scratch buffer: restored to its length on return.
void collect(const json& v, std::string& path, EmptyPaths& out) {
  if (v.is_object()) {
    if (v.empty()) {
      if (!path.empty()) out.objects.insert(path);
      return;
    }
    for (const auto& [k, e] : v.items()) {
      const std::size_t len = path.size();
      append_key(path, k);
      collect(e, path, out);
      path.resize(len);
    }
  } else if (v.is_array()) {
    if (v.empty()) {
      if (!path.empty()) out.arrays.insert(path);
      return;
    }
    for (const auto& e : v) collect(e, path, out);
  }
}

bool has_empty_array(const json& v) {
  if (v.is_array()) {
    if (v.empty()) return true;
    for (const auto& e : v) {
      if (has_empty_array(e)) return true;
    }
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.items()) {
      if (has_empty_array(e)) return true;
    }
  }
  return false;
}

struct Marks {
  std::vector<json::json_pointer> make_object;
  std::vector<json::json_pointer> remove;
};

class Marker {
 public:
  Marker(const EmptyPaths& refs, Marks& marks) : refs_(refs), marks_(marks) {}

  void walk(const json& v) {
    if (v.is_object()) {
      for (const auto& [k, e] : v.items()) {
        const std::size_t len = path_.size();
        append_key(path_, k);
        tokens_.push_back(k);
        visit(e);
        tokens_.pop_back();
        path_.resize(len);
      }
    } else if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        tokens_.push_back(std::to_string(i));
        visit(v[i]);
        tokens_.pop_back();
      }
    }
  }

 private:
  void visit(const json& e) {
    if (!(e.is_array() && e.empty())) {
      walk(e);
      return;
    }
    if (refs_.objects.count(path_)) {
      marks_.make_object.push_back(pointer());
    } else if (!refs_.arrays.count(path_)) {
      marks_.remove.push_back(pointer());
    }
  }

  json::json_pointer pointer() const {
    json::json_pointer p;
    for (const auto& t : tokens_) p /= t;
    return p;
  }

  const EmptyPaths& refs_;
  Marks& marks_;
  std::string path_;  // Karmada's path: keys only, array indices left out
  std::vector<std::string> tokens_;
};

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
  if (!has_empty_array(encoded)) return encoded;  // the usual case: nothing to repair
  EmptyPaths refs;
  std::string scratch;
  for (const json* r : references) {
    if (r != nullptr) collect(*r, scratch, refs);
  }
  Marks marks;
  Marker(refs, marks).walk(encoded);
  for (const auto& p : marks.make_object) encoded[p] = json::object();
  // Reverse document order: removing an array element never shifts a mark still to go.
  for (auto it = marks.remove.rbegin(); it != marks.remove.rend(); ++it) erase_at(encoded, *it);
  return encoded;
}

}  // namespace cell0::lua
