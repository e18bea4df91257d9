#include "policies/cluster_info.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& member(const json& object, const char* key) {
  static const json empty = json::object();
  const auto it = object.is_object() ? object.find(key) : object.end();
  return it != object.end() && it->is_object() ? *it : empty;
}

}  // namespace

ClusterInfo cluster_info_from(const json& cluster) {
  ClusterInfo info;
  const json& meta = member(cluster, "metadata");
  const json& spec = member(cluster, "spec");
  info.name = text(meta, "name");
  info.resource_version = text(meta, "resourceVersion");
  for (const auto& [k, v] : member(meta, "labels").items()) {
    if (v.is_string()) info.labels[k] = v.get<std::string>();
  }
  info.region = text(spec, "region");
  info.provider = text(spec, "provider");
  if (const auto zones = spec.find("zones"); zones != spec.end() && zones->is_array()) {
    for (const auto& z : *zones) {
      if (z.is_string()) info.zones.push_back(z.get<std::string>());
    }
  }
  if (info.zones.empty() && !text(spec, "zone").empty()) info.zones.push_back(text(spec, "zone"));
  if (const auto taints = spec.find("taints"); taints != spec.end() && taints->is_array()) {
    for (const auto& t : *taints) {
      if (t.is_object()) info.taints.push_back({text(t, "key"), text(t, "value"), text(t, "effect")});
    }
  }
  if (const auto conditions = member(cluster, "status").find("conditions");
      conditions != member(cluster, "status").end() && conditions->is_array()) {
    for (const auto& c : *conditions) {
      if (c.is_object() && text(c, "type") == "Ready") info.ready = text(c, "status") == "True";
    }
  }
  return info;
}

}  // namespace cell0::policies
