// What every rule works with: the request context, the outcome it accumulates, and small helpers
// to reach into Kubernetes objects held as JSON.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/admission_chain.h"
#include "policies/policy_config.h"

namespace cell0::policies {

enum class Stage { Mutate, Validate };

struct RuleContext {
  Stage stage = Stage::Mutate;
  Operation operation = Operation::Create;
  const nlohmann::json& old_object;  // null unless UPDATE
  const Policy& policy;
  std::string namespace_;
  std::string kind;                    // the owned kind: Cluster, PropagationPolicy, ..., Pod, Deployment, StatefulSet
  ClusterSnapshot clusters = nullptr;  // the member clusters, when an inventory is known
};

struct RuleOutcome {
  std::optional<std::string> denial;
  // Changes the object needed to satisfy a rule (not mere defaults): /validate denies an object
  // that still needs one.
  std::vector<std::string> required;
  std::vector<std::string> change_warnings;  // describe a change: returned by /mutate only
  std::vector<std::string> advisories;       // describe the admitted object: returned by /validate only
  std::map<std::string, std::string> audit;

  void deny(std::string message) {
    if (!denial) denial = std::move(message);
  }
  void note(const std::string& rule, const std::string& action) {
    std::string& v = audit[rule];
    v += (v.empty() ? "" : "; ") + action;
  }
};

// The value at a path of object keys, or nullptr when any step is missing or not an object.
const nlohmann::json* find_path(const nlohmann::json& root, std::initializer_list<const char*> path);
nlohmann::json* find_path(nlohmann::json& root, std::initializer_list<const char*> path);
// The object at the path, creating missing (or null) steps as empty objects.
nlohmann::json& ensure_object(nlohmann::json& root, std::initializer_list<const char*> path);
// The string at the path, or "" when absent or not a string.
std::string string_at(const nlohmann::json& root, std::initializer_list<const char*> path);
// metadata.annotations[key] / metadata.labels[key], or nullopt.
std::optional<std::string> annotation(const nlohmann::json& object, const std::string& key);
std::optional<std::string> label(const nlohmann::json& object, const std::string& key);
// "Kind ns/name" (namespaced) or "Kind name", for messages.
std::string describe(const nlohmann::json& object, const std::string& kind, const std::string& namespace_);
std::string join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace cell0::policies
