#include "interpreters/results.h"

#include <algorithm>
#include <tuple>

#include "lua/json_lua.h"
#include "lua/quantity.h"

namespace cell0::interp {
namespace {

using nlohmann::json;

const char* json_type(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::null:
      return "null";
    default:
      return "number";
  }
}

[[noreturn]] void unmarshal_error(const json& v, const std::string& go_type, const std::string& field) {
  throw TypedResultError("json: cannot unmarshal " + std::string(json_type(v)) + " into Go " +
                         (field.empty() ? "value" : "struct field " + field) + " of type " + go_type);
}

std::string canonical_quantity(const json& v, const std::string& name) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number()) {
    text = lua::go_json_dump(v);  // a JSON number is parsed from its text, as Quantity does
  } else {
    unmarshal_error(v, "resource.Quantity", "ReplicaRequirements.resourceRequest." + name);
  }
  try {
    return lua::Quantity::parse(text).to_string();
  } catch (const lua::QuantityError& e) {
    throw TypedResultError(std::string(e.what()));
  }
}

json string_map(const json& v, const std::string& field) {
  if (v.is_null()) return nullptr;
  if (!v.is_object()) unmarshal_error(v, "map[string]string", field);
  for (const auto& [k, e] : v.items()) {
    if (!e.is_string()) unmarshal_error(e, "string", field);
  }
  return v.empty() ? json(nullptr) : v;
}

json typed_node_claim(const json& v) {
  if (v.is_null()) return nullptr;
  if (!v.is_object()) unmarshal_error(v, "v1alpha2.NodeClaim", "ReplicaRequirements.nodeClaim");
  json out = json::object();
  if (auto it = v.find("hardNodeAffinity"); it != v.end() && !it->is_null()) {
    if (!it->is_object()) unmarshal_error(*it, "v1.NodeSelector", "NodeClaim.hardNodeAffinity");
    out["hardNodeAffinity"] = *it;
  }
  if (auto it = v.find("nodeSelector"); it != v.end()) {
    json m = string_map(*it, "NodeClaim.nodeSelector");
    if (!m.is_null()) out["nodeSelector"] = m;
  }
  if (auto it = v.find("tolerations"); it != v.end() && !it->is_null()) {
    if (!it->is_array()) unmarshal_error(*it, "[]v1.Toleration", "NodeClaim.tolerations");
    if (!it->empty()) out["tolerations"] = *it;
  }
  return out.empty() ? json(nullptr) : out;
}

json typed_requirements(const json& v, bool component) {
  if (v.is_null()) return nullptr;
  const std::string type = component ? "v1alpha2.ComponentReplicaRequirements" : "v1alpha2.ReplicaRequirements";
  if (!v.is_object()) unmarshal_error(v, type, "");
  json out = json::object();
  if (auto it = v.find("nodeClaim"); it != v.end()) {
    json nc = typed_node_claim(*it);
    if (!nc.is_null()) out["nodeClaim"] = nc;
  }
  if (auto it = v.find("resourceRequest"); it != v.end() && !it->is_null()) {
    if (!it->is_object()) unmarshal_error(*it, "v1.ResourceList", "ReplicaRequirements.resourceRequest");
    json rr = json::object();
    for (const auto& [k, q] : it->items()) rr[k] = canonical_quantity(q, k);
    if (!rr.empty()) out["resourceRequest"] = rr;
  }
  for (const char* key : {"namespace", "priorityClassName"}) {
    if (component && std::string_view(key) == "namespace") continue;
    if (auto it = v.find(key); it != v.end() && !it->is_null()) {
      if (!it->is_string()) unmarshal_error(*it, "string", std::string("ReplicaRequirements.") + key);
      if (!it->get_ref<const std::string&>().empty()) out[key] = *it;
    }
  }
  return out;
}

}  // namespace

json typed_replica_requirements(const json& value) {
  json r = typed_requirements(value, false);
  return r;
}

json typed_components(const json& value) {
  if (value.is_null()) return json::array();
  if (!value.is_array()) unmarshal_error(value, "[]v1alpha2.Component", "");
  json out = json::array();
  for (const auto& c : value) {
    if (!c.is_object()) unmarshal_error(c, "v1alpha2.Component", "");
    json typed = json::object();
    auto name = c.find("name");
    if (name != c.end() && !name->is_null() && !name->is_string()) unmarshal_error(*name, "string", "Component.name");
    typed["name"] = name != c.end() && name->is_string() ? *name : json("");
    auto rep = c.find("replicas");
    std::int64_t replicas = 0;
    if (rep != c.end() && !rep->is_null()) {
      if (rep->is_number_integer()) {
        replicas = rep->get<std::int64_t>();
      } else if (rep->is_number_float()) {
        unmarshal_error(*rep, "int32", "Component.replicas");
      } else {
        unmarshal_error(*rep, "int32", "Component.replicas");
      }
      if (replicas < INT32_MIN || replicas > INT32_MAX) unmarshal_error(*rep, "int32", "Component.replicas");
    }
    typed["replicas"] = replicas;
    if (auto it = c.find("replicaRequirements"); it != c.end()) {
      json rr = typed_requirements(*it, true);
      if (!rr.is_null() && !rr.empty()) typed["replicaRequirements"] = rr;
    }
    out.push_back(std::move(typed));
  }
  return out;
}

json typed_dependencies(const json& value) {
  if (value.is_null()) return json::array();
  if (!value.is_array()) unmarshal_error(value, "[]v1alpha1.DependentObjectReference", "");
  json out = json::array();
  for (const auto& d : value) {
    if (!d.is_object()) unmarshal_error(d, "v1alpha1.DependentObjectReference", "");
    json typed = json::object();
    for (const char* key : {"apiVersion", "kind", "namespace", "name"}) {
      auto it = d.find(key);
      if (it == d.end() || it->is_null()) continue;
      if (!it->is_string()) unmarshal_error(*it, "string", std::string("DependentObjectReference.") + key);
      if (!it->get_ref<const std::string&>().empty()) typed[key] = *it;
    }
    if (auto it = d.find("labelSelector"); it != d.end() && !it->is_null()) {
      if (!it->is_object()) unmarshal_error(*it, "v1.LabelSelector", "DependentObjectReference.labelSelector");
      typed["labelSelector"] = *it;
    }
    if (!typed.contains("apiVersion") || !typed.contains("kind")) {
      throw TypedResultError("dependency " + lua::go_json_dump(typed) + " must have apiVersion and kind");
    }
    if (!typed.contains("name") && !typed.contains("labelSelector")) {
      throw TypedResultError("dependency " + lua::go_json_dump(typed) + " must have a name or a labelSelector");
    }
    out.push_back(std::move(typed));
  }
  return out;
}

json sort_dependencies(json deps) {
  auto& arr = deps.get_ref<json::array_t&>();
  auto key = [](const json& d) {
    return std::make_tuple(d.value("apiVersion", ""), d.value("kind", ""), d.value("namespace", ""),
                           d.value("name", ""));
  };
  std::stable_sort(arr.begin(), arr.end(), [&](const json& a, const json& b) { return key(a) < key(b); });
  json out = json::array();
  for (auto& d : arr) {
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(std::move(d));
  }
  return out;
}

void check_object_kind(const json& object) {
  auto it = object.find("kind");
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw TypedResultError("Object 'Kind' is missing in '" + lua::go_json_dump(object) + "'");
  }
}

}  // namespace cell0::interp
