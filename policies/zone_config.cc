#include "policies/zone_config.h"

#include "policies/config_fields.h"
#include "policies/label_selector.h"
#include "policies/label_syntax.h"

namespace cell0::policies {

using nlohmann::json;
using namespace config;

namespace {

ArbitrationService service(std::string name, std::vector<std::string> namespaces, const char* label,
                           std::vector<std::string> values) {
  json selector = {{"matchExpressions", {{{"key", label}, {"operator", "In"}, {"values", values}}}}};
  return ArbitrationService{std::move(name), std::move(namespaces), std::move(selector)};
}

void read_services(const json& m, std::vector<ArbitrationService>& out) {
  auto it = m.find("arbitrationServices");
  if (it == m.end() || it->is_null()) return;
  const std::string path = "zones.arbitrationServices";
  if (!it->is_array()) fail(path, "must be a list, got " + type_name(*it));
  out.clear();
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const json& e = mapping((*it)[i], p, {"name", "namespaces", "selector"});
    ArbitrationService s;
    read_string(e, p, "name", s.name);
    if (s.name.empty()) fail(p + ".name", "must be set (it names the service in messages)");
    read_strings(e, p, "namespaces", s.namespaces);
    if (s.namespaces.empty()) fail(p + ".namespaces", "must list at least one namespace glob");
    for (std::size_t j = 0; j < s.namespaces.size(); ++j) {
      if (s.namespaces[j].empty()) fail(p + ".namespaces[" + std::to_string(j) + "]", "must not be empty");
    }
    if (auto sel = e.find("selector"); sel != e.end() && !sel->is_null()) {
      const json& checked = mapping(*sel, p + ".selector", {"matchLabels", "matchExpressions"});
      if (auto ml = checked.find("matchLabels"); ml != checked.end() && !ml->is_null() && !ml->is_object()) {
        fail(p + ".selector.matchLabels", "must be a mapping, got " + type_name(*ml));
      }
      if (auto me = checked.find("matchExpressions"); me != checked.end() && !me->is_null() && !me->is_array()) {
        fail(p + ".selector.matchExpressions", "must be a list, got " + type_name(*me));
      }
      const auto errors = label_selector_errors(checked, p + ".selector");
      if (!errors.empty()) throw FieldError(errors.front());
      s.selector = checked;
    }
    out.push_back(std::move(s));
  }
}

int read_int(const json& m, const std::string& path, const char* key, int low, int high, int fallback) {
  auto it = m.find(key);
  if (it == m.end() || it->is_null()) return fallback;
  const std::string p = join(path, key);
  if (!it->is_number_integer()) fail(p, "must be an integer, got " + type_name(*it));
  const auto v = it->get<std::int64_t>();
  if (v < low || v > high)
    fail(p, "must be between " + std::to_string(low) + " and " + std::to_string(high) + ", got " + std::to_string(v));
  return static_cast<int>(v);
}

}  // namespace

// The seed names the services (etcd, ovsdb-server, the zookeepers of kafka, clickhouse and dts,
// minio) but not their namespaces or labels: these entries use the upstream charts' labels
// (`app` and the recommended `app.kubernetes.io/name`) in the platform namespaces. A platform
// team replaces the list in its policy file.
std::vector<ArbitrationService> Zones::default_arbitration_services() {
  const std::vector<std::string> platform{"ccos-*", "karmada-system", "kube-system"};
  const std::vector<std::string> zookeepers{"ccos-*kafka*", "ccos-*clickhouse*", "ccos-*dts*"};
  return {
      service("etcd", platform, "app", {"etcd"}),
      service("etcd", platform, "app.kubernetes.io/name", {"etcd"}),
      service("ovsdb-server", {"ccos-*", "kube-system"}, "app", {"ovsdb-server", "ovnkube-db"}),
      service("ovsdb-server", {"ccos-*", "kube-system"}, "app.kubernetes.io/name", {"ovsdb-server"}),
      service("zookeeper (kafka, clickhouse, dts)", zookeepers, "app", {"zookeeper"}),
      service("zookeeper (kafka, clickhouse, dts)", zookeepers, "app.kubernetes.io/name", {"zookeeper"}),
      service("minio", {"ccos-*"}, "app", {"minio"}),
      service("minio", {"ccos-*"}, "app.kubernetes.io/name", {"minio"}),
  };
}

void read_zones(const json& root, Zones& z) {
  const std::string path = "zones";
  const json section = root.value(path, json());
  const json& m = mapping(section, path,
                          {"zoneLabel", "arbitrationZone", "arbitrationTaint", "namespaces", "arbitrationServices",
                           "enforcement", "zoneCount", "nodeLabelKeys"});
  read_string(m, path, "zoneLabel", z.zone_label);
  require_qualified("zones.zoneLabel", z.zone_label);
  read_string(m, path, "arbitrationZone", z.arbitration_zone);
  if (z.arbitration_zone.empty() || !is_label_value(z.arbitration_zone)) {
    fail("zones.arbitrationZone", "\"" + z.arbitration_zone + "\" is not a valid, non-empty label value");
  }
  const json taint_section = m.value("arbitrationTaint", json());
  const json& taint = mapping(taint_section, "zones.arbitrationTaint", {"key", "effect"});
  read_string(taint, "zones.arbitrationTaint", "key", z.arbitration_taint.key);
  read_string(taint, "zones.arbitrationTaint", "effect", z.arbitration_taint.effect);
  require_qualified("zones.arbitrationTaint.key", z.arbitration_taint.key);
  const std::string& effect = z.arbitration_taint.effect;
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
    fail("zones.arbitrationTaint.effect", "must be NoSchedule, PreferNoSchedule or NoExecute, got \"" + effect + "\"");
  }
  read_strings(m, path, "namespaces", z.namespaces);
  for (std::size_t i = 0; i < z.namespaces.size(); ++i) {
    if (z.namespaces[i].empty()) fail("zones.namespaces[" + std::to_string(i) + "]", "must not be empty");
  }
  read_services(m, z.arbitration_services);
  read_enum<Enforcement>(m, path, "enforcement",
                         {{"Reject", Enforcement::Reject}, {"Strip", Enforcement::Strip}, {"Warn", Enforcement::Warn}},
                         z.enforcement);
  z.zone_count = read_int(m, path, "zoneCount", 1, 16, z.zone_count);
  read_strings(m, path, "nodeLabelKeys", z.node_label_keys);
  for (std::size_t i = 0; i < z.node_label_keys.size(); ++i) {
    require_qualified("zones.nodeLabelKeys[" + std::to_string(i) + "]", z.node_label_keys[i]);
  }
}

}  // namespace cell0::policies
