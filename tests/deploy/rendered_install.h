// deploy/ rendered the way an operator renders it: a copy of deploy/ with certificates from
// `cell0-webhook certs generate` in each overlay's certs/, then `kubectl kustomize` of every
// kustomization (components excepted). Done once per test run.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::testing {

struct RenderedInstall {
  std::string skip_reason;       // set when kubectl (with kustomize v5) is not available
  std::filesystem::path deploy;  // the copy
  // Keyed by the folder under deploy/, e.g. "overlays/karmada/host".
  std::map<std::string, std::vector<nlohmann::json>> objects;
  std::map<std::string, std::string> errors;  // render failures, by folder
};

const RenderedInstall& rendered_install();

// The objects of `kind` (and `name`, when given) in a rendered set.
std::vector<nlohmann::json> select(const std::vector<nlohmann::json>& objects, const std::string& kind,
                                   const std::string& name = {});
const nlohmann::json* find_one(const std::vector<nlohmann::json>& objects, const std::string& kind,
                               const std::string& name);

}  // namespace cell0::testing
