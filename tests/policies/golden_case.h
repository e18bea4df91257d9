// Golden admission cases: one YAML file per case under tests/policies/golden/, read by the
// policies tests (the chain itself) and the webhook tests (the same cases over HTTPS).
//
//   description: what the case shows
//   stage: review              # review (default: mutate, then validate), mutate or validate
//   operation: CREATE          # CREATE (default), UPDATE or DELETE
//   policy: {...}              # optional WebhookPolicy; omitted: the defaults
//   old: {...}                 # the stored object (UPDATE)
//   clusters: [Cluster, ...]   # optional: the cluster inventory (as serve's reconciler or
//                              # review --clusters sees it); omitted: no inventory
//   object: {...}              # the object under review
//   subResource: status        # optional: a write of this subresource (request.subResource)
//   clusters: [Cluster, ...]   # optional: the cluster inventory (Cluster objects); omitted: none
//   namespaces: {ns: {key: value}}  # optional: namespace annotations a namespace cache knows
//                              # (omitted: no cache, only names count)
//   expect:
//     allowed: true
//     object: {...}            # the resulting object; or `unchanged: true`
//     denial: text             # a part of the denial message (allowed: false)
//     code: 403                # optional
//     warnings: [text, ...]    # a part of each warning, in order; omitted: no warnings
//     audit: {rule: text}      # optional: a part of each named audit annotation
//     policyError: text        # the policy itself is refused at load (nothing else is checked)
//     gate: {kind: K, result: R}  # what the majority gate decided; omitted: it did not judge
#pragma once

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/yaml_json.h"
#include "policies/admission_chain.h"
#include "policies/cluster_info.h"

namespace cell0::testing {

struct GoldenCase {
  std::string name;  // file name without .yaml
  nlohmann::json doc;
  policies::AdmissionInput input;
  std::string stage = "review";
  std::string operation = "CREATE";
};

inline std::filesystem::path golden_dir() { return std::filesystem::path(CELL0_SOURCE_DIR) / "tests/policies/golden"; }

inline bool is_namespaced(const std::string& kind) {
  return kind == "PropagationPolicy" || kind == "Pod" || kind == "Deployment" || kind == "StatefulSet";
}

// A namespace cache holding exactly these namespaces and their annotations (string values only).
inline policies::NamespaceSnapshot namespace_snapshot(const nlohmann::json& namespaces) {
  std::map<std::string, policies::NamespaceAnnotations> out;
  for (const auto& [name, annotations] : namespaces.items()) {
    auto& kept = out[name];
    for (const auto& [key, value] : annotations.items()) {
      if (value.is_string()) kept[key] = value.get<std::string>();
    }
  }
  return std::make_shared<const std::map<std::string, policies::NamespaceAnnotations>>(std::move(out));
}

inline std::vector<GoldenCase> load_golden_cases() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(golden_dir())) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<GoldenCase> cases;
  for (const auto& file : files) {
    auto docs = common::load_yaml_file(file);
    if (!docs) throw std::runtime_error(docs.error().message);
    if (docs->size() != 1) throw std::runtime_error(file.string() + ": one case per file");
    GoldenCase c;
    c.name = file.stem().string();
    c.doc = (*docs)[0];
    c.stage = c.doc.value("stage", "review");
    c.operation = c.doc.value("operation", "CREATE");
    const auto operation = policies::parse_operation(c.operation);
    if (!operation) throw std::runtime_error(c.name + ": bad operation");
    c.input.operation = *operation;
    c.input.object = c.doc.value("object", nlohmann::json());
    c.input.old_object = c.doc.value("old", nlohmann::json());
    c.input.sub_resource = c.doc.value("subResource", "");
    if (c.doc.contains("clusters")) {
      auto inventory = std::make_shared<std::vector<policies::ClusterInfo>>();
      for (const auto& cluster : c.doc["clusters"]) inventory->push_back(policies::cluster_info_from(cluster));
      c.input.clusters = inventory;
    }
    if (c.input.operation == policies::Operation::Delete && c.input.old_object.is_null()) {
      c.input.old_object = c.input.object;
      c.input.object = nullptr;
    }
    if (c.doc.contains("clusters")) {
      auto clusters = std::make_shared<std::vector<policies::ClusterInfo>>();
      for (const auto& cluster : c.doc["clusters"]) clusters->push_back(policies::cluster_info_from(cluster));
      std::sort(clusters->begin(), clusters->end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      c.input.clusters = clusters;
    }
    const nlohmann::json& obj = c.input.object.is_object() ? c.input.object : c.input.old_object;
    if (obj.is_object() && is_namespaced(obj.value("kind", ""))) {
      c.input.namespace_ = obj.contains("metadata") ? obj["metadata"].value("namespace", "default") : "default";
    }
    if (c.doc.contains("namespaces")) c.input.namespaces = namespace_snapshot(c.doc["namespaces"]);
    cases.push_back(std::move(c));
  }
  return cases;
}

inline bool contains_text(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace cell0::testing
