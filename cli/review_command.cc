#include "cli/review_command.h"

#include <iostream>
#include <memory>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "common/yaml_json.h"
#include "policies/admission_chain.h"
#include "policies/policy_config.h"
#include "webhook/admission_codec.h"

namespace cell0::cli {
namespace {

using nlohmann::json;

struct ReviewFlags {
  std::string file;
  std::string old_file;
  std::string operation;
  std::string policy;
};

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json load_object(const std::string& file) {
  json object;
  try {
    object = common::load_single_object(file);
  } catch (const common::YamlError& e) {
    throw BadInput(e.what());
  }
  for (const char* key : {"apiVersion", "kind"}) {
    if (!object.contains(key) || !object[key].is_string()) throw BadInput(file + ": the object has no " + key);
  }
  return object;
}

int run_review(const ReviewFlags& f) {
  policies::Policy policy;
  if (!f.policy.empty()) {
    auto loaded = policies::load_policy_file(f.policy);
    if (!loaded.policy) throw BadInput(loaded.error);
    policy = std::move(*loaded.policy);
  }
  policies::AdmissionInput input;
  const json object = load_object(f.file);
  std::string operation = f.operation;
  if (operation.empty()) operation = f.old_file.empty() ? "CREATE" : "UPDATE";
  if (!policies::parse_operation(operation, input.operation) || input.operation == policies::Operation::Connect) {
    throw BadInput("--operation must be CREATE, UPDATE or DELETE, got \"" + operation + "\"");
  }
  if (!f.old_file.empty()) input.old_object = load_object(f.old_file);
  if (input.operation == policies::Operation::Update && input.old_object.is_null()) {
    throw BadInput("--operation UPDATE needs --old-file");
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
    std::cout << "---\n# response.patch, decoded\n" << common::to_yaml(webhook::admission_patch(input.object, decision.object));
  }
  if (decision.allowed && !decision.object.is_null()) {
    std::cout << "---\n# resulting object\n" << common::to_yaml(decision.object);
  }
  for (const auto& w : decision.warnings) std::cerr << "Warning: " << w << "\n";
  if (!decision.allowed) std::cerr << "denied: " << decision.message << "\n";
  return decision.allowed ? 0 : 1;
}

}  // namespace

void add_review_command(CLI::App& app) {
  auto flags = std::make_shared<ReviewFlags>();
  auto* cmd = app.add_subcommand("review",
                                 "Run the admission chain (/mutate then /validate) offline on an object, like "
                                 "`kubectl apply --dry-run=server`");
  cmd->add_option("-f,--filename", flags->file, "The object (Cluster, PropagationPolicy, ClusterPropagationPolicy; YAML)")
      ->required();
  cmd->add_option("--old-file", flags->old_file, "The stored object, for UPDATE");
  cmd->add_option("--operation", flags->operation, "CREATE, UPDATE or DELETE (default: UPDATE with --old-file, else CREATE)");
  cmd->add_option("--policy", flags->policy, "Admission policy file (default: the built-in policy)");
  cmd->callback([flags] {
    int rc = 0;
    try {
      rc = run_review(*flags);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      rc = 2;
    }
    throw CLI::RuntimeError(rc);
  });
}

}  // namespace cell0::cli
