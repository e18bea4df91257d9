#include "policies/policy_config.h"

#include "common/yaml_json.h"
#include "policies/config_fields.h"
#include "policies/label_syntax.h"
#include "policies/zone_config.h"

namespace cell0::policies {
namespace {

using nlohmann::json;

using namespace config;

void read_pure_control(const json& root, PureControl& pc) {
  const std::string path = "pureControl";
  const json section = root.value(path, json());
  const json& m = mapping(section, path, {"taint", "clusterLabel", "clusterNames"});
  const json taint_section = m.value("taint", json());
  const json& taint = mapping(taint_section, "pureControl.taint", {"key", "effect", "value"});
  read_string(taint, "pureControl.taint", "key", pc.taint.key);
  read_string(taint, "pureControl.taint", "effect", pc.taint.effect);
  read_string(taint, "pureControl.taint", "value", pc.taint.value);
  require_qualified("pureControl.taint.key", pc.taint.key);
  if (!is_label_value(pc.taint.value))
    fail("pureControl.taint.value", "\"" + pc.taint.value + "\" is not a valid label value");
  // Karmada's Cluster validation accepts only these two effects (reference §5.3).
  if (pc.taint.effect != "NoSchedule" && pc.taint.effect != "NoExecute") {
    fail("pureControl.taint.effect", "must be NoSchedule or NoExecute, got \"" + pc.taint.effect + "\"");
  }
  read_string(m, path, "clusterLabel", pc.cluster_label);
  require_qualified("pureControl.clusterLabel", pc.cluster_label);
  read_strings(m, path, "clusterNames", pc.cluster_names);
}

void read_whitelist(const json& root, Whitelist& wl) {
  const std::string path = "whitelist";
  const json section = root.value(path, json());
  const json& m = mapping(section, path, {"namespaces", "resources", "enforcement"});
  read_strings(m, path, "namespaces", wl.namespaces);
  for (std::size_t i = 0; i < wl.namespaces.size(); ++i) {
    if (wl.namespaces[i].empty()) fail("whitelist.namespaces[" + std::to_string(i) + "]", "must not be empty");
  }
  if (auto it = m.find("resources"); it != m.end() && !it->is_null()) {
    if (!it->is_array()) fail("whitelist.resources", "must be a list, got " + type_name(*it));
    wl.resources.clear();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string p = "whitelist.resources[" + std::to_string(i) + "]";
      const json& e = mapping((*it)[i], p, {"apiVersion", "kind", "namespace", "name"});
      if (e.empty()) fail(p, "must set at least one of apiVersion, kind, namespace, name");
      ResourceEntry entry;
      read_string(e, p, "apiVersion", entry.api_version);
      read_string(e, p, "kind", entry.kind);
      read_string(e, p, "namespace", entry.namespace_);
      read_string(e, p, "name", entry.name);
      wl.resources.push_back(entry);
    }
  }
  std::string enforcement = "Reject";
  read_string(m, path, "enforcement", enforcement);
  if (enforcement == "Reject") {
    wl.enforcement = Enforcement::Reject;
  } else if (enforcement == "Strip") {
    wl.enforcement = Enforcement::Strip;
  } else if (enforcement == "Warn") {
    wl.enforcement = Enforcement::Warn;
  } else {
    fail("whitelist.enforcement", "must be one of Reject, Strip, Warn, got \"" + enforcement + "\"");
  }
}

void read_anydoor(const json& root, Anydoor& ad) {
  const std::string path = "anydoor";
  const json section = root.value(path, json());
  const json& m = mapping(section, path,
                          {"scenarioAnnotation", "vpcAnnotation", "businessClusterLabel", "vpcClusterLabelPrefix",
                           "minZones", "maxClusters", "gatewayKinds"});
  read_string(m, path, "scenarioAnnotation", ad.scenario_annotation);
  require_qualified("anydoor.scenarioAnnotation", ad.scenario_annotation);
  read_string(m, path, "vpcAnnotation", ad.vpc_annotation);
  require_qualified("anydoor.vpcAnnotation", ad.vpc_annotation);
  read_string(m, path, "businessClusterLabel", ad.business_cluster_label);
  require_qualified("anydoor.businessClusterLabel", ad.business_cluster_label);
  read_string(m, path, "vpcClusterLabelPrefix", ad.vpc_cluster_label_prefix);
  const std::string& prefix = ad.vpc_cluster_label_prefix;
  if (prefix.size() < 2 || prefix.back() != '/' || !is_dns_subdomain(prefix.substr(0, prefix.size() - 1))) {
    fail("anydoor.vpcClusterLabelPrefix", "must be a DNS subdomain followed by '/', got \"" + prefix + "\"");
  }
  if (auto it = m.find("minZones"); it != m.end() && !it->is_null()) {
    if (!it->is_number_integer()) fail("anydoor.minZones", "must be an integer, got " + type_name(*it));
    const auto v = it->get<std::int64_t>();
    if (v < 1 || v > 16) fail("anydoor.minZones", "must be between 1 and 16, got " + std::to_string(v));
    ad.min_zones = static_cast<int>(v);
  }
  if (auto it = m.find("maxClusters"); it != m.end() && !it->is_null()) {
    if (!it->is_number_integer()) fail("anydoor.maxClusters", "must be an integer, got " + type_name(*it));
    const auto v = it->get<std::int64_t>();
    // maxGroups below minGroups is rejected by Karmada's validation; 0 would select no cluster.
    if (v < ad.min_zones || v > 10000) {
      fail("anydoor.maxClusters",
           "must be between minZones (" + std::to_string(ad.min_zones) + ") and 10000, got " + std::to_string(v));
    }
    ad.max_clusters = static_cast<int>(v);
  }
  if (auto it = m.find("gatewayKinds"); it != m.end() && !it->is_null()) {
    if (!it->is_array()) fail("anydoor.gatewayKinds", "must be a list, got " + type_name(*it));
    ad.gateway_kinds.clear();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string p = "anydoor.gatewayKinds[" + std::to_string(i) + "]";
      const json& e = mapping((*it)[i], p, {"apiVersion", "kind"});
      Anydoor::Kind k;
      read_string(e, p, "apiVersion", k.api_version);
      read_string(e, p, "kind", k.kind);
      if (k.api_version.empty() || k.kind.empty()) fail(p, "must set apiVersion and kind");
      ad.gateway_kinds.push_back(k);
    }
  }
}

// --- majority gate (issue 17) ---
void read_majority(const json& root, Majority& mj) {
  const std::string path = "majority";
  const json section = root.value(path, json());
  const json& m = mapping(section, path, {"kinds", "enforcement"});
  if (auto it = m.find("kinds"); it != m.end() && !it->is_null()) {
    if (!it->is_array()) fail("majority.kinds", "must be a list, got " + type_name(*it));
    mj.kinds.clear();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string p = "majority.kinds[" + std::to_string(i) + "]";
      const json& e = mapping((*it)[i], p, {"apiVersion", "kind"});
      MajorityKind entry;
      read_string(e, p, "apiVersion", entry.api_version);
      read_string(e, p, "kind", entry.kind);
      if (entry.api_version.empty() || entry.kind.empty()) fail(p, "needs both apiVersion and kind");
      mj.kinds.push_back(entry);
    }
  }
  std::string enforcement = "Reject";
  read_string(m, path, "enforcement", enforcement);
  if (enforcement == "Reject") {
    mj.enforcement = Enforcement::Reject;
  } else if (enforcement == "Warn") {
    mj.enforcement = Enforcement::Warn;
  } else {  // a scheduling result has nothing to strip
    fail("majority.enforcement", "must be one of Reject, Warn, got \"" + enforcement + "\"");
  }
}
// --- end majority gate ---

}  // namespace

std::string_view enforcement_name(Enforcement e) {
  switch (e) {
    case Enforcement::Reject:
      return "Reject";
    case Enforcement::Strip:
      return "Strip";
    case Enforcement::Warn:
      return "Warn";
  }
  return "Reject";
}

common::Result<Policy> parse_policy(const json& document) {
  try {
    std::string api_version = "cell0.ccos.io/v1alpha1", kind = "WebhookPolicy";
    if (document.is_object()) {  // the identity first: a wrong document is named as such
      read_string(document, "", "apiVersion", api_version);
      read_string(document, "", "kind", kind);
    }
    if (api_version != "cell0.ccos.io/v1alpha1")
      fail("apiVersion", "must be cell0.ccos.io/v1alpha1, got \"" + api_version + "\"");
    if (kind != "WebhookPolicy") fail("kind", "must be WebhookPolicy, got \"" + kind + "\"");
    const json& root =
        mapping(document, "", {"apiVersion", "kind", "pureControl", "whitelist", "anydoor", "majority", "zones"});
    Policy policy;
    read_pure_control(root, policy.pure_control);
    read_whitelist(root, policy.whitelist);
    read_anydoor(root, policy.anydoor);
    read_majority(root, policy.majority);
    read_zones(root, policy.zones);
    return policy;
  } catch (const config::FieldError& e) {
    return common::Error{common::ErrorKind::Config, e.what()};
  }
}

common::Result<Policy> load_policy_file(const std::filesystem::path& path) {
  auto docs = common::load_yaml_file(path);
  if (!docs) return docs.error();
  if (docs->size() > 1) {
    return common::Error{common::ErrorKind::Config, path.string() + ": expected one WebhookPolicy document, found " +
                                                        std::to_string(docs->size())};
  }
  auto policy = parse_policy(docs->empty() ? json() : (*docs)[0]);
  if (!policy) return policy.error().with_prefix(path.string() + ": ");
  return policy;
}

}  // namespace cell0::policies
