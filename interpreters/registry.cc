#include "interpreters/registry.h"

#include <algorithm>
#include <set>

#include "common/json_fields.h"
#include "common/yaml_json.h"

namespace cell0::interp {
namespace {

using common::Error;
using common::ErrorKind;
using common::Result;

namespace fs = std::filesystem;
using nlohmann::json;

std::string target_key(const std::string& api_version, const std::string& kind) { return api_version + "\n" + kind; }

Error config_error(std::string message) { return Error{ErrorKind::Config, std::move(message)}; }

using common::member;
using common::string_member;

bool is_yaml(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// YAML files under the paths, in a stable order; `testdata` folders hold conformance cases.
Result<std::vector<fs::path>> collect_files(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
      continue;
    }
    if (!fs::is_directory(p, ec)) return config_error(p.string() + ": no such file or directory");
    std::vector<fs::path> found;
    for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::follow_directory_symlink, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (it->is_directory() && (name == "testdata" || (name.size() > 1 && name[0] == '.'))) {
        it.disable_recursion_pending();  // Kubernetes ConfigMap mounts keep data in ..data dirs too
        continue;
      }
      if (it->is_regular_file() && is_yaml(it->path()) && name[0] != '.') found.push_back(it->path());
    }
    if (ec) return config_error(p.string() + ": " + ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace

Result<std::shared_ptr<const Customization>> parse_customization(const json& doc, const std::string& file) {
  const std::string api_version = string_member(doc, "apiVersion");
  const std::string kind = string_member(doc, "kind");
  const std::string name = string_member(member(doc, "metadata") ? doc["metadata"] : json(), "name");
  const std::string where = file + ": " + (name.empty() ? std::string("customization") : name);
  if (kind != "ResourceInterpreterCustomization" || api_version != "config.karmada.io/v1alpha1") {
    return config_error(file +
                        ": expected apiVersion config.karmada.io/v1alpha1, kind "
                        "ResourceInterpreterCustomization, got " +
                        (api_version.empty() ? "<none>" : api_version) + ", kind " + (kind.empty() ? "<none>" : kind));
  }
  if (name.empty()) return config_error(file + ": metadata.name is required");
  const json* spec = member(doc, "spec");
  const json* target = spec ? member(*spec, "target") : nullptr;
  auto c = std::make_shared<Customization>();
  c->name = name;
  c->file = file;
  c->api_version = target ? string_member(*target, "apiVersion") : "";
  c->kind = target ? string_member(*target, "kind") : "";
  if (c->api_version.empty() || c->kind.empty()) {
    return config_error(where + ": spec.target.apiVersion and spec.target.kind are required");
  }
  const json* rules = member(*spec, "customizations");
  if (rules == nullptr || !rules->is_object()) {
    return config_error(where + ": spec.customizations must be a map of rules");
  }
  for (const auto& [rule, body] : rules->items()) {
    std::optional<Operation> op;
    for (Operation o : kAllOperations) {
      if (rule_name(o) == rule) op = o;
    }
    if (!op) {
      return config_error(where + ": unknown rule spec.customizations." + rule +
                          " (known: retention, replicaResource, componentResource, replicaRevision, "
                          "statusReflection, statusAggregation, healthInterpretation, "
                          "dependencyInterpretation)");
    }
    if (body.is_null()) continue;
    const json* script = member(body, "luaScript");
    if (script == nullptr || !script->is_string()) {
      return config_error(where + ": spec.customizations." + rule + ".luaScript must be a string");
    }
    if (script->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos) {
      continue;  // an empty script is no rule at all, as in Karmada
    }
    std::string error;
    // Chunk names show up in every script error: "<customization>/<rule>:<line>: ...".
    auto compiled = lua::Script::compile(script->get<std::string>(), name + "/" + rule, &error);
    if (!compiled) return Error{ErrorKind::Syntax, file + ": " + error};
    c->rules[static_cast<std::size_t>(*op)] = std::move(compiled);
  }
  return std::shared_ptr<const Customization>(std::move(c));
}

const std::vector<std::shared_ptr<const Customization>>* Registry::find(const std::string& api_version,
                                                                        const std::string& kind) const {
  auto it = by_target_.find(target_key(api_version, kind));
  return it == by_target_.end() ? nullptr : &it->second;
}

Result<std::shared_ptr<const Registry>> Registry::build(const std::vector<fs::path>& paths) {
  auto files = collect_files(paths);
  if (!files) return files.error();
  auto reg = std::make_shared<Registry>();
  std::unordered_map<std::string, std::string> names;  // name -> file
  for (const auto& f : *files) {
    auto docs = common::load_yaml_file(f);
    if (!docs) return config_error(docs.error().message);
    reg->files_.push_back(f.string());
    for (const auto& doc : *docs) {
      auto c = parse_customization(doc, f.string());
      if (!c) return c.error();
      auto [it, inserted] = names.emplace((*c)->name, f.string());
      if (!inserted) {
        return config_error(f.string() + ": customization " + (*c)->name + " is also defined in " + it->second);
      }
      reg->all_.push_back(*c);
      reg->by_target_[target_key((*c)->api_version, (*c)->kind)].push_back(*c);
    }
  }
  for (auto& [key, list] : reg->by_target_) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
  }
  return std::shared_ptr<const Registry>(std::move(reg));
}

Result<std::shared_ptr<const Registry>> load_registry(const std::vector<fs::path>& paths) {
  return Registry::build(paths);
}

RegistryInfo registry_info(const Registry& registry) {
  RegistryInfo info;
  info.customizations = registry.all().size();
  std::set<std::string> kinds;
  for (const auto& c : registry.all()) kinds.insert(c->api_version + "/" + c->kind);
  info.kinds = kinds.size();
  info.files = registry.files();
  return info;
}

}  // namespace cell0::interp
