// The admission policy file (`--policy`, apiVersion cell0.ccos.io/v1alpha1, kind WebhookPolicy).
// Every omitted field takes the default of DESIGN.md; unknown fields, wrong types and bad values
// are load errors that name the field (e.g. "whitelist.enforcement: must be one of ...").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cell0::policies {

enum class Enforcement { Reject, Strip, Warn };

struct Taint {
  std::string key = "pure-control-cluster";
  std::string effect = "NoSchedule";
  std::string value;  // the canonical taint's value; empty (no value) by default
};

struct PureControl {
  Taint taint;
  std::string cluster_label = "cluster.ccos.io/pure-control";
  std::vector<std::string> cluster_names;
};

// Globs ('*' any run of characters, '?' one character); an empty field of a resource selector
// is matched as the empty string, so only "*" admits "all namespaces".
struct ResourceEntry {
  std::string api_version = "*";
  std::string kind = "*";
  std::string namespace_ = "*";
  std::string name = "*";
};

struct Whitelist {
  std::vector<std::string> namespaces{"ccos-*", "karmada-system"};
  std::vector<ResourceEntry> resources{{"*", "*", "ccos-*", "*"}, {"*", "*", "karmada-system", "*"}};
  Enforcement enforcement = Enforcement::Reject;
};

struct Anydoor {
  std::string scenario_annotation = "anydoor.ccos.io/scenario";
  std::string vpc_annotation = "anydoor.ccos.io/vpc";
  std::string business_cluster_label = "network.ccos.io/business";
  std::string vpc_cluster_label_prefix = "vpc.ccos.io/";
  int min_zones = 2;
  int max_clusters = 64;  // maxGroups of the cluster spread constraint
  // A policy whose resource selectors name one of these is an anydoor policy, annotated or not.
  struct Kind {
    std::string api_version;
    std::string kind;
  };
  std::vector<Kind> gateway_kinds{{"anydoor.ccos.io/v1alpha1", "AnyDoorGateway"}};
};

// --- majority gate (issue 17) ---
// A workload kind whose ResourceBindings the majority gate judges (spec.resource apiVersion+kind).
struct MajorityKind {
  std::string api_version;
  std::string kind;
  bool operator==(const MajorityKind&) const = default;
};

// The ResourceBinding majority gate (seed 002): Reject (default) or Warn; Strip is refused at load.
struct Majority {
  std::vector<MajorityKind> kinds{{"mongo.daocloud.io/v1alpha1", "MongoDB"},
                                  {"apps.kubeblocks.io/v1alpha1", "Cluster"},
                                  {"apps.kubeblocks.io/v1", "Cluster"}};
  Enforcement enforcement = Enforcement::Reject;
};
// --- end majority gate ---

// Cell0 two-AZ rules (DESIGN.md "Cell0 two-AZ zone policies"). An arbitration service is a pod
// whose namespace matches one of `namespaces` and whose labels match `selector` (a
// metav1.LabelSelector kept as JSON, checked at load; {} matches every pod there).
struct ArbitrationService {
  std::string name;  // for messages and audit annotations
  std::vector<std::string> namespaces;
  nlohmann::json selector = nlohmann::json::object();
};

struct Zones {
  std::string zone_label = "zone.node-label.ccos.io";
  std::string arbitration_zone = "reserved-arbitration";
  Taint arbitration_taint{"zone.node-label.ccos.io/reserved-arbitration", "NoSchedule", ""};
  std::vector<std::string> namespaces{"ccos-*", "karmada-system"};
  std::vector<ArbitrationService> arbitration_services = default_arbitration_services();
  Enforcement enforcement = Enforcement::Reject;
  // Zones that host ordinary workloads (az1, az2: the arbitration zone does not count).
  int zone_count = 2;
  // The node label keys Cell0 nodes carry; without a node inventory a required pod (anti-)affinity
  // on any other topology key is reported as a key no node uses. zone_label always counts.
  std::vector<std::string> node_label_keys{"kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch"};

  static std::vector<ArbitrationService> default_arbitration_services();
};

struct Policy {
  PureControl pure_control;
  Whitelist whitelist;
  Anydoor anydoor;
  Majority majority;

  Zones zones;
};

// From the parsed YAML document (null or an empty object: all defaults). Config naming the field.
common::Result<Policy> parse_policy(const nlohmann::json& document);
// From a file; errors are prefixed with the file name. An empty file gives the defaults.
common::Result<Policy> load_policy_file(const std::filesystem::path& path);

std::string_view enforcement_name(Enforcement e);

}  // namespace cell0::policies
