#include "cli/offline_commands.h"

#include <chrono>
#include <iostream>

#include "common/yaml_json.h"
#include "interpreters/conformance.h"
#include "interpreters/engine.h"
#include "interpreters/print_sink.h"
#include "interpreters/registry.h"

namespace cell0::cli {
namespace {

using nlohmann::json;
namespace interp = cell0::interp;

struct InterpretFlags {
  std::vector<std::string> filenames;
  std::string operation;
  std::string desired_file;
  std::string observed_file;
  std::string status_file;
  std::int64_t desired_replica = 0;
  bool check = false;
  int timeout_ms = 1000;
};

// The object of --desired-file or --observed-file, when given.
common::Result<common::Done> load_object(const std::string& file, json& object) {
  if (file.empty()) return common::Done{};
  auto loaded = common::load_single_object(file);
  if (!loaded) return loaded.error();
  object = std::move(*loaded);
  return common::Done{};
}

common::Result<json> load_status_items(const std::string& file) {
  auto docs = common::load_yaml_file(file);
  if (!docs) return docs.error();
  json items = json::array();
  for (auto& d : *docs) {
    if (d.is_array()) {
      for (auto& e : d) items.push_back(std::move(e));
    } else {
      items.push_back(std::move(d));
    }
  }
  return items;
}

void print_lua_line(std::string_view line) { std::cerr << line << "\n"; }

int run_check(const std::shared_ptr<const interp::Registry>& registry) {
  for (const auto& c : registry->all()) {
    std::cout << "customization " << c->name << " (" << c->file << ") for " << c->api_version << ", Kind=" << c->kind
              << ":\n";
    for (interp::Operation op : interp::kAllOperations) {
      std::cout << "  " << interp::rule_name(op) << ": " << (c->rule(op) ? "ok" : "not set") << "\n";
    }
  }
  std::cout << registry->all().size() << " customization(s) checked, no errors\n";
  return 0;
}

common::Result<int> run_interpret(const InterpretFlags& f) {
  interp::set_print_sink(print_lua_line);
  std::vector<std::filesystem::path> paths(f.filenames.begin(), f.filenames.end());
  auto registry = interp::load_registry(paths);
  if (!registry) return registry.error();
  if ((*registry)->all().empty()) return input_error("no ResourceInterpreterCustomization found in the given files");
  if (f.check) return run_check(*registry);
  if (f.operation.empty()) return input_error("--operation is required (or --check)");
  auto op = interp::parse_operation(f.operation, true);
  if (!op) {
    return input_error("unknown operation " + f.operation +
                       "; one of: InterpretReplica, InterpretComponent, ReviseReplica, Retain, AggregateStatus, "
                       "InterpretStatus, InterpretHealth, InterpretDependency");
  }
  interp::ConformanceCase c;
  c.operation = *op;
  if (auto loaded = load_object(f.desired_file, c.desired); !loaded) return loaded.error();
  if (auto loaded = load_object(f.observed_file, c.observed); !loaded) return loaded.error();
  if (!f.status_file.empty()) {
    auto items = load_status_items(f.status_file);
    if (!items) return items.error();
    c.status_items = std::move(*items);
  }
  c.input_replicas = f.desired_replica;
  auto request = interp::case_request(c);
  if (!request) return request.error();
  interp::EngineOptions options;
  options.deadline = std::chrono::milliseconds(f.timeout_ms);
  options.pool_size = 1;
  interp::Engine engine(options);
  engine.set_registry(*registry);
  auto result = engine.interpret(*request);
  if (!result) return result.error();
  const json outputs = interp::case_outputs(*op, *result);
  for (const auto& [key, value] : outputs.items()) {
    std::cout << "---\n# " << key << "\n" << common::to_yaml(value);
  }
  return 0;
}

common::Result<int> run_test(const std::vector<std::string>& dirs) {
  std::vector<std::filesystem::path> roots(dirs.begin(), dirs.end());
  const auto start = std::chrono::steady_clock::now();
  auto sum = interp::run_conformance(roots, std::cout);
  if (!sum) return sum.error();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  std::cout << "ran " << (sum->passed + sum->failed) << " cases in " << ms.count() << " ms\n";
  std::cout << sum->passed << " passed, " << sum->failed << " failed" << std::endl;
  return sum->failed == 0 && sum->passed > 0 ? 0 : 1;
}

}  // namespace

Command add_interpret_command(CLI::App& app) {
  auto flags = std::make_shared<InterpretFlags>();
  auto* cmd = app.add_subcommand("interpret",
                                 "Run the customizations' Lua rules on local objects, like `karmadactl interpret`");
  cmd->add_option("-f,--filename", flags->filenames, "ResourceInterpreterCustomization files or directories")
      ->required();
  cmd->add_option("--operation", flags->operation,
                  "InterpretReplica, InterpretComponent, ReviseReplica, Retain, AggregateStatus, "
                  "InterpretStatus, InterpretHealth or InterpretDependency");
  cmd->add_option("--desired-file", flags->desired_file, "The desired object (YAML)");
  cmd->add_option("--observed-file", flags->observed_file, "The observed (member cluster) object (YAML)");
  cmd->add_option("--status-file", flags->status_file, "Aggregated status items (YAML list or documents)");
  cmd->add_option("--desired-replica", flags->desired_replica, "Replicas for ReviseReplica");
  cmd->add_flag("--check", flags->check, "Only load and compile the customizations");
  cmd->add_option("--lua-timeout-ms", flags->timeout_ms, "Per-call script budget")->default_val(1000);
  return Command{cmd, 1, [flags] { return run_interpret(*flags); }};
}

Command add_test_command(CLI::App& app) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* cmd =
      app.add_subcommand("test", "Run Karmada-format conformance cases (customizations.yaml + testdata/*.yaml)");
  cmd->add_option("DIR", *dirs, "Folders to search for customizations.yaml")->required();
  return Command{cmd, 2, [dirs] { return run_test(*dirs); }};
}

}  // namespace cell0::cli
