#include "cli/review_command.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include <CLI/CLI.hpp>

#include "common/yaml_json.h"
#include "policies/admission_chain.h"
#include "policies/policy_config.h"
#include "webhook/admission_codec.h"
#include "webhook/json_patch.h"

namespace cell0::cli {
namespace {

using nlohmann::json;

struct ReviewFlags {
  std::string file;
  std::string old_file;
  std::string operation;
  std::string policy;
  std::string clusters;
  std::string subresource;
  std::string namespaces;
};

common::Result<json> load_object(const std::string& file) {
  auto object = common::load_single_object(file);
  if (!object) return object.error();
  for (const char* key : {"apiVersion", "kind"}) {
    if (!object->contains(key) || !(*object)[key].is_string()) {
      return input_error(file + ": the object has no " + key);
    }
  }
  return object;
}

// The objects of a file: YAML documents, each an object or a List of them.
common::Result<std::vector<json>> load_objects(const std::string& file) {
  auto documents = common::load_yaml_file(file);
  if (!documents) return documents.error();
  std::vector<json> out;
  for (json& doc : *documents) {
    if (doc.is_null()) continue;
    if (doc.is_object() && doc.contains("items") && doc["items"].is_array()) {
      for (json& item : doc["items"]) out.push_back(std::move(item));
    } else {
      out.push_back(std::move(doc));
    }
  }
  return out;
}

// Namespace objects (`kubectl get ns -o yaml`): the view serve's namespace cache would hold.
common::Result<policies::NamespaceSnapshot> load_namespaces(const std::string& file) {
  auto objects = load_objects(file);
  if (!objects) return objects.error();
  std::map<std::string, policies::NamespaceAnnotations> view;
  for (const json& object : *objects) {
    if (!object.is_object() || object.value("kind", "") != "Namespace") {
      return input_error(file + ": --namespaces takes Namespace objects (v1)");
    }
    const json meta = object.value("metadata", json::object());
    const std::string name = meta.is_object() ? meta.value("name", "") : "";
    if (name.empty()) return input_error(file + ": a Namespace has no metadata.name");
    auto& kept = view[name];
    const json annotations = meta.value("annotations", json::object());
    if (!annotations.is_object()) continue;
    for (const auto& [key, value] : annotations.items()) {
      if (value.is_string()) kept[key] = value.get<std::string>();
    }
  }
  return std::make_shared<const std::map<std::string, policies::NamespaceAnnotations>>(std::move(view));
}

// Cluster objects as `kubectl get clusters -o yaml` prints them (a List) or as YAML documents.
common::Result<policies::ClusterSnapshot> load_clusters(const std::string& file) {
  auto documents = load_objects(file);
  if (!documents) return documents.error();
  auto clusters = std::make_shared<std::vector<policies::ClusterInfo>>();
  for (const json& object : *documents) {
    if (!object.is_object() || object.value("kind", "") != "Cluster") {
      const std::string got =
          object.is_object() ? "kind \"" + object.value("kind", "") + "\"" : std::string("a non-object");
      return input_error(file + ": --clusters takes Cluster objects (cluster.karmada.io/v1alpha1), got " + got);
    }
    policies::ClusterInfo info = policies::cluster_info_from(object);
    if (info.name.empty()) return input_error(file + ": a Cluster has no metadata.name");
    clusters->push_back(std::move(info));
  }
  std::sort(clusters->begin(), clusters->end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return policies::ClusterSnapshot(std::move(clusters));
}

common::Result<int> run_review(const ReviewFlags& f) {
  policies::Policy policy;
  if (!f.policy.empty()) {
    auto loaded = policies::load_policy_file(f.policy);
    if (!loaded) return loaded.error();
    policy = std::move(*loaded);
  }
  policies::AdmissionInput input;
  if (!f.clusters.empty()) {
    auto clusters = load_clusters(f.clusters);
    if (!clusters) return clusters.error();
    input.clusters = std::move(*clusters);
  }
  input.sub_resource = f.subresource;
  if (!f.namespaces.empty()) {
    auto namespaces = load_namespaces(f.namespaces);
    if (!namespaces) return namespaces.error();
    input.namespaces = std::move(*namespaces);
  }
  auto loaded = load_object(f.file);
  if (!loaded) return loaded.error();
  const json object = std::move(*loaded);
  std::string operation = f.operation;
  if (operation.empty()) operation = f.old_file.empty() ? "CREATE" : "UPDATE";
  const auto parsed = policies::parse_operation(operation);
  if (!parsed || *parsed == policies::Operation::Connect) {
    return input_error("--operation must be CREATE, UPDATE or DELETE, got \"" + operation + "\"");
  }
  input.operation = *parsed;
  if (!f.old_file.empty()) {
    auto old_object = load_object(f.old_file);
    if (!old_object) return old_object.error();
    input.old_object = std::move(*old_object);
  }
  if (input.operation == policies::Operation::Update && input.old_object.is_null()) {
    return input_error("--operation UPDATE needs --old-file");
  }
  if (input.operation == policies::Operation::Delete) {
    input.old_object = object;  // as the apiserver sends it: the stored object, no new one
  } else {
    input.object = object;
  }
  // A PropagationPolicy without a namespace lands in "default", as kubectl would put it.
  if (object["kind"] == "PropagationPolicy" && !object.contains("metadata")) {
    input.namespace_ = "default";
  } else if (object["kind"] == "PropagationPolicy") {
    const json& md = object["metadata"];
    input.namespace_ = md.is_object() && md.contains("namespace") && md["namespace"].is_string()
                           ? md["namespace"].get<std::string>()
                           : "default";
  }

  const policies::Decision decision = policies::review(input, policy);
  const json review = webhook::encode_admission_response("review", decision, input.object, true);
  std::cout << "# AdmissionReview response\n" << common::to_yaml(review);
  if (review["response"].contains("patch")) {
    std::cout << "---\n# response.patch, decoded\n"
              << common::to_yaml(webhook::json_patch(input.object, decision.object));
  }
  if (decision.allowed && !decision.object.is_null()) {
    std::cout << "---\n# resulting object\n" << common::to_yaml(decision.object);
  }
  for (const auto& w : decision.warnings) std::cerr << "Warning: " << w << "\n";
  if (!decision.allowed) std::cerr << "denied: " << decision.message << "\n";
  return decision.allowed ? 0 : 1;
}

}  // namespace

Command add_review_command(CLI::App& app) {
  auto flags = std::make_shared<ReviewFlags>();
  auto* cmd = app.add_subcommand("review",
                                 "Run the admission chain (/mutate then /validate) offline on an object, like "
                                 "`kubectl apply --dry-run=server`");
  cmd->add_option("-f,--filename", flags->file,
                  "The object (Cluster, PropagationPolicy, ClusterPropagationPolicy, ResourceBinding, "
                  "ClusterResourceBinding, Pod, Deployment, StatefulSet; YAML)")
      ->required();
  cmd->add_option("--old-file", flags->old_file, "The stored object, for UPDATE");
  cmd->add_option("--operation", flags->operation,
                  "CREATE, UPDATE or DELETE (default: UPDATE with --old-file, else CREATE)");
  cmd->add_option("--policy", flags->policy, "Admission policy file (default: the built-in policy)");
  cmd->add_option("--clusters", flags->clusters,
                  "Karmada Cluster objects (YAML documents or a List) to use as the cluster inventory, as serve "
                  "would see them with --kubeconfig");
  cmd->add_option("--subresource", flags->subresource,
                  "Review a write of this subresource (e.g. status) instead of the object itself, as the apiserver "
                  "would send it");
  cmd->add_option("--namespaces", flags->namespaces,
                  "Namespace objects (YAML documents or a List) whose annotations opt namespaces in to the zone "
                  "rules, as serve would see them with --cell0-kubeconfig");
  return Command{cmd, 2, [flags] { return run_review(*flags); }};
}

}  // namespace cell0::cli
