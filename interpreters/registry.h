// ResourceInterpreterCustomization CRs loaded from YAML, their scripts compiled once, indexed by
// target apiVersion/kind. A Registry is immutable: reload builds a new one.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "interpreters/engine.h"
#include "interpreters/operation.h"
#include "lua/script.h"

namespace cell0::interp {

struct Customization {
  std::string name;
  std::string file;
  std::string api_version;  // spec.target.apiVersion
  std::string kind;         // spec.target.kind
  // Compiled rule per Operation (index = static_cast<int>(Operation)); null when absent.
  std::array<std::shared_ptr<const lua::Script>, kAllOperations.size()> rules;

  const lua::Script* rule(Operation op) const { return rules[static_cast<std::size_t>(op)].get(); }
};

class Registry {
 public:
  // Customizations for a target, sorted by name (Karmada's precedence); null when none.
  const std::vector<std::shared_ptr<const Customization>>* find(const std::string& api_version,
                                                                const std::string& kind) const;
  const std::vector<std::shared_ptr<const Customization>>& all() const { return all_; }
  const std::vector<std::string>& files() const { return files_; }

  // Adds the ResourceInterpreterCustomizations of one parsed YAML document set.
  static common::Result<std::shared_ptr<const Registry>> build(const std::vector<std::filesystem::path>& paths);

 private:
  std::vector<std::shared_ptr<const Customization>> all_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<const Customization>>> by_target_;
  std::vector<std::string> files_;
};

// Parses and compiles one customization document. The error names file, customization, rule and
// line.
common::Result<std::shared_ptr<const Customization>> parse_customization(const nlohmann::json& doc,
                                                                         const std::string& file);

}  // namespace cell0::interp
