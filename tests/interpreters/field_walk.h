// Runs a customization's Lua rules on sample objects in a plain Lua state whose tables record
// every field the script reads (index, pairs, next, #) or writes (assignment, returned objects),
// so the paths can be checked against a field table. A stand-in `kube` module returns empty
// results: only what the script itself touches is recorded.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::test {

struct FieldAccess {
  bool write;
  std::vector<std::string> segments;  // "spec", "componentSpecs", "[]", "name"
  std::string function;
};

// Runs `script` (one rule's luaScript) and calls `function` (GetReplicas, AggregateStatus, ...)
// with arguments made from `sample`. Throws std::runtime_error with Lua's message when the script
// fails.
std::vector<FieldAccess> walk_fields(const std::string& script, const std::string& function,
                                     const nlohmann::json& sample);

// The Karmada function a customization rule defines.
std::string rule_function(const std::string& rule);

}  // namespace cell0::test
