// The interpreter facade: runs the Lua rules of ResourceInterpreterCustomizations with Karmada's
// argument shapes, result rules and merge rules (reference §2.2–§2.6). Thread-safe; the set of
// customizations is an immutable snapshot that reload swaps atomically.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "interpreters/operation.h"

namespace cell0::interp {

class Registry;

struct InterpretRequest {
  Operation operation = Operation::InterpretHealth;
  nlohmann::json object;        // the object (Retain: the desired object)
  nlohmann::json observed;      // Retain only: the member-cluster object
  std::int64_t replicas = 0;    // ReviseReplica only
  nlohmann::json status_items;  // AggregateStatus only: array of {clusterName,status,applied,...} or null
};

struct InterpretResult {
  // InterpretReplica
  std::int32_t replicas = 0;
  nlohmann::json requirements;  // ReplicaRequirements object, or null
  // InterpretComponent: array of Component (empty when the script returned nil)
  nlohmann::json components = nlohmann::json::array();
  // ReviseReplica, Retain, AggregateStatus: the resulting object
  nlohmann::json object;
  // InterpretStatus: the raw status exactly as Karmada stores it (compact JSON, sorted keys)
  std::string raw_status;
  // InterpretHealth
  bool healthy = false;
  // InterpretDependency: sorted, de-duplicated DependentObjectReferences
  nlohmann::json dependencies = nlohmann::json::array();
};

struct EngineOptions {
  std::chrono::milliseconds deadline{1000};  // per call, like Karmada's 1 s
  std::size_t memory_limit = 64u << 20;      // per Lua state
  std::size_t pool_size = 0;                 // 0: 4x the hardware concurrency, at least 16
                                             // (serve passes its worker count); states are
                                             // created on first use
  bool cache_scripts = true;                 // false: load the script text on every call, as
                                             // Karmada does (benchmarks compare the two)
  bool lazy_inputs = true;                   // input objects reach Lua as tables filled on
                                             // first use (lua/lazy_table.h); false: converted
                                             // whole before the call (benchmarks compare the two)
};

struct EngineStats {
  std::uint64_t lua_runs = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t memory_errors = 0;
  std::uint64_t runtime_errors = 0;
  std::uint64_t states_replaced = 0;
  std::size_t pool_in_use = 0;
  std::size_t pool_size = 0;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Swaps in a new snapshot; calls in flight finish on the old one.
  void set_registry(std::shared_ptr<const Registry> registry);
  std::shared_ptr<const Registry> registry() const;

  // True when some customization has a rule for this apiVersion/kind and operation.
  bool has_hook_for_test(const std::string& api_version, const std::string& kind, Operation op) const;

  // Runs the rule(s) for the object's apiVersion/kind (taken from request.object, or from
  // request.observed when object is null). common::ErrorKind::NoHook when nothing handles it.
  common::Result<InterpretResult> interpret(const InterpretRequest& request) const;

  EngineStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads every ResourceInterpreterCustomization from the given YAML files and directories
// (recursively; `testdata` folders are skipped), compiling each script once. The error names
// the file, the customization, the rule and the line.
common::Result<std::shared_ptr<const Registry>> load_registry(const std::vector<std::filesystem::path>& paths);

// Summary of a snapshot, for logs and metrics.
struct RegistryInfo {
  std::size_t customizations = 0;
  std::size_t kinds = 0;
  std::vector<std::string> files;
};
RegistryInfo registry_info(const Registry& registry);

}  // namespace cell0::interp
