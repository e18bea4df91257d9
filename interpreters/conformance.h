// Karmada's conformance format (reference §4): `<dir>/customizations.yaml` plus
// `<dir>/testdata/*.yaml`, one case per YAML document, compared as Karmada's own suite does.
// Shared by the `test` command and the HTTPS integration test.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "interpreters/engine.h"

namespace cell0::interp {

struct ConformanceCase {
  std::string file;  // testdata file
  std::string name;
  Operation operation = Operation::InterpretHealth;
  nlohmann::json desired;       // null when absent
  nlohmann::json observed;      // null when absent
  nlohmann::json status_items;  // null when absent
  std::int64_t input_replicas = 0;
  nlohmann::json output;  // object, keys as written; null when absent
};

struct ConformanceSuite {
  std::filesystem::path customizations;  // customizations.yaml
  std::vector<std::filesystem::path> testdata;
};

// Every suite under the given directories (sorted); Io naming a root that does not exist.
common::Result<std::vector<ConformanceSuite>> discover_suites(const std::vector<std::filesystem::path>& roots);

// The cases of one testdata file; an error naming the file on bad input.
common::Result<std::vector<ConformanceCase>> load_cases(const std::filesystem::path& file);

// The request a case stands for; BadRequest on an inconsistent case.
common::Result<InterpretRequest> case_request(const ConformanceCase& c);

// Result keys (`replica`, `requires`, `revised`, ...) for an operation's result. `status` holds
// the parsed raw status.
nlohmann::json case_outputs(Operation op, const InterpretResult& result);

// Compares as Karmada's suite does; returns one line per mismatch (empty: pass).
std::vector<std::string> compare_outputs(const nlohmann::json& expected_output, const nlohmann::json& actual);

struct ConformanceSummary {
  std::size_t passed = 0;
  std::size_t failed = 0;
};

// Runs every case under the roots with a fresh engine per suite; prints each failure with
// expected vs got. An error only when a root does not exist (a bad file or case is a failure).
common::Result<ConformanceSummary> run_conformance(const std::vector<std::filesystem::path>& roots, std::ostream& out,
                                                   EngineOptions options = {});

}  // namespace cell0::interp
