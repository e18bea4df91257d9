#include "cli/offline_commands.h"

#include <chrono>
#include <iostream>

#include "interpreters/conformance.h"
#include "interpreters/engine.h"
#include "interpreters/registry.h"
#include "common/yaml_json.h"
#include "interpreters/print_sink.h"

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

// Thrown for bad input; the message is printed as one line and the command exits 1.
struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json load_single_object(const std::string& file) {
  try {
    return common::load_single_object(file);
  } catch (const common::YamlError& e) {
    throw CommandError(e.what());
  }
}

json load_status_items(const std::string& file) {
  std::vector<json> docs;
  try {
    docs = common::load_yaml_file(file);
  } catch (const common::YamlError& e) {
    throw CommandError(e.what());
  }
  json items = json::array();
  for (auto& d : docs) {
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

int run_interpret(const InterpretFlags& f) {
  interp::set_print_sink(print_lua_line);
  std::vector<std::filesystem::path> paths(f.filenames.begin(), f.filenames.end());
  auto registry = interp::load_registry(paths);
  if (!registry) throw CommandError(registry.error().message);
  if ((*registry)->all().empty()) throw CommandError("no ResourceInterpreterCustomization found in the given files");
  if (f.check) return run_check(*registry);
  if (f.operation.empty()) throw CommandError("--operation is required (or --check)");
  auto op = interp::parse_operation(f.operation, true);
  if (!op) {
    throw CommandError("unknown operation " + f.operation +
                       "; one of: InterpretReplica, InterpretComponent, ReviseReplica, Retain, AggregateStatus, "
                       "InterpretStatus, InterpretHealth, InterpretDependency");
  }
  interp::ConformanceCase c;
  c.operation = *op;
  if (!f.desired_file.empty()) c.desired = load_single_object(f.desired_file);
  if (!f.observed_file.empty()) c.observed = load_single_object(f.observed_file);
  if (!f.status_file.empty()) c.status_items = load_status_items(f.status_file);
  c.input_replicas = f.desired_replica;
  auto request = interp::case_request(c);
  if (!request) throw CommandError(request.error().message);
  interp::EngineOptions options;
  options.deadline = std::chrono::milliseconds(f.timeout_ms);
  options.pool_size = 1;
  interp::Engine engine(options);
  engine.set_registry(*registry);
  auto result = engine.interpret(*request);
  if (!result) throw CommandError(result.error().message);
  const json outputs = interp::case_outputs(*op, *result);
  for (const auto& [key, value] : outputs.items()) {
    std::cout << "---\n# " << key << "\n" << common::to_yaml(value);
  }
  return 0;
}

}  // namespace

void add_interpret_command(CLI::App& app) {
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
  cmd->callback([flags] {
    int rc = 0;
    try {
      rc = run_interpret(*flags);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      rc = 1;
    }
    throw CLI::RuntimeError(rc);
  });
}

void add_test_command(CLI::App& app) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("test", "Run Karmada-format conformance cases (customizations.yaml + testdata/*.yaml)");
  cmd->add_option("DIR", *dirs, "Folders to search for customizations.yaml")->required();
  cmd->callback([dirs] {
    int rc = 0;
    try {
      std::vector<std::filesystem::path> roots(dirs->begin(), dirs->end());
      const auto start = std::chrono::steady_clock::now();
      auto sum = interp::run_conformance(roots, std::cout);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      std::cout << "ran " << (sum.passed + sum.failed) << " cases in " << ms.count() << " ms\n";
      std::cout << sum.passed << " passed, " << sum.failed << " failed" << std::endl;
      rc = sum.failed == 0 && sum.passed > 0 ? 0 : 1;
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      rc = 2;
    }
    throw CLI::RuntimeError(rc);
  });
}

}  // namespace cell0::cli
