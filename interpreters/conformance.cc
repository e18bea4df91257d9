#include "interpreters/conformance.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

#include "common/yaml_json.h"
#include "interpreters/registry.h"
#include "lua/json_lua.h"
#include "lua/quantity.h"

namespace cell0::interp {
namespace {

using common::Error;
using common::ErrorKind;
using common::Result;

namespace fs = std::filesystem;
using nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Case-insensitive field lookup, as Karmada's case loader matches keys.
const json* ifield(const json& obj, const std::string& key) {
  if (!obj.is_object()) return nullptr;
  const std::string k = lower(key);
  for (const auto& [name, v] : obj.items()) {
    if (lower(name) == k) return &v;
  }
  return nullptr;
}

json or_null(const json* v) { return v != nullptr ? *v : json(nullptr); }

constexpr const char* kExclude = "{{EXCLUDE}}";

// Integral floats as integers, as Go decodes JSON numbers into unstructured objects.
json normalize_numbers(const json& v) {
  if (v.is_number_float()) return lua::number_from_double(v.get<double>());
  if (v.is_number_unsigned()) return lua::number_from_double(static_cast<double>(v.get<std::uint64_t>()));
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(normalize_numbers(e));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, e] : v.items()) out[k] = normalize_numbers(e);
    return out;
  }
  return v;
}

// Go's semantic equality treats a nil slice or map like an empty one: drop them all.
json drop_empty(const json& v) {
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, e] : v.items()) {
      json d = drop_empty(e);
      if (!d.is_null()) out[k] = std::move(d);
    }
    return out.empty() ? json(nullptr) : out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(drop_empty(e));
    return out.empty() ? json(nullptr) : out;
  }
  return normalize_numbers(v);
}

bool quantity_equal(const json& a, const json& b) {
  auto text = [](const json& q) { return q.is_string() ? q.get<std::string>() : lua::go_json_dump(q); };
  try {
    return lua::Quantity::parse(text(a)).compare(lua::Quantity::parse(text(b))) == 0;
  } catch (const std::exception&) {
    return a == b;
  }
}

// Deep equality where values under a "resourceRequest" map compare as quantities.
bool semantic_equal(const json& a, const json& b, bool quantities = false) {
  if (quantities && !a.is_object() && !b.is_object()) return quantity_equal(a, b);
  if (a.type() != b.type()) {
    if (a.is_number() && b.is_number()) return a == b;
    return false;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) {
      auto it = b.find(k);
      if (it == b.end() || !semantic_equal(v, *it, quantities || k == "resourceRequest")) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!semantic_equal(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

// Removes every {{EXCLUDE}} entry from `expected` and the same path from `actual`.
void apply_excludes(json& expected, json& actual) {
  if (expected.is_object()) {
    for (auto it = expected.begin(); it != expected.end();) {
      if (it->is_string() && it->get_ref<const std::string&>() == kExclude) {
        if (actual.is_object()) actual.erase(it.key());
        it = expected.erase(it);
        continue;
      }
      if (actual.is_object() && actual.contains(it.key())) {
        apply_excludes(*it, actual[it.key()]);
      } else {
        json none;
        apply_excludes(*it, none);
      }
      ++it;
    }
  } else if (expected.is_array()) {
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (actual.is_array() && i < actual.size()) {
        apply_excludes(expected[i], actual[i]);
      } else {
        json none;
        apply_excludes(expected[i], none);
      }
    }
  }
}

json sorted_by(json list, const std::vector<const char*>& keys) {
  if (!list.is_array()) return list;
  auto& arr = list.get_ref<json::array_t&>();
  std::stable_sort(arr.begin(), arr.end(), [&](const json& a, const json& b) {
    for (const char* k : keys) {
      const std::string x = a.is_object() ? a.value(k, "") : "";
      const std::string y = b.is_object() ? b.value(k, "") : "";
      if (x != y) return x < y;
    }
    return false;
  });
  return list;
}

bool compare_key(const std::string& key, const json& expected_in, const json& actual_in) {
  if (key == "replica" || key == "healthy" || key == "status") {
    return lua::go_json_dump(normalize_numbers(expected_in)) == lua::go_json_dump(actual_in);
  }
  if (key == "requires") {
    if (actual_in.is_null() && !expected_in.is_null()) return false;
    return semantic_equal(drop_empty(expected_in), drop_empty(actual_in));
  }
  if (key == "dependencies") {
    const std::vector<const char*> k = {"apiVersion", "kind", "namespace", "name"};
    return semantic_equal(drop_empty(sorted_by(expected_in, k)), drop_empty(sorted_by(actual_in, k)));
  }
  if (key == "components") {
    return semantic_equal(drop_empty(sorted_by(expected_in, {"name"})), drop_empty(sorted_by(actual_in, {"name"})));
  }
  // revised, retained, aggregatedStatus
  json expected = normalize_numbers(expected_in);
  json actual = normalize_numbers(actual_in);
  apply_excludes(expected, actual);
  return expected == actual;
}

std::string show(const json& v) { return v.is_null() ? "<nothing>" : lua::go_json_dump(v); }

}  // namespace

Result<std::vector<ConformanceSuite>> discover_suites(const std::vector<fs::path>& roots) {
  std::vector<ConformanceSuite> suites;
  for (const auto& root : roots) {
    std::vector<fs::path> found;
    std::error_code ec;
    if (fs::is_regular_file(root, ec) && root.filename() == "customizations.yaml") {
      found.push_back(root);
    } else if (fs::is_directory(root, ec)) {
      for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().filename() == "customizations.yaml") found.push_back(it->path());
      }
    } else {
      return Error{ErrorKind::Io, root.string() + ": no such file or directory"};
    }
    std::sort(found.begin(), found.end());
    for (const auto& f : found) {
      ConformanceSuite s;
      s.customizations = f;
      const fs::path testdata = f.parent_path() / "testdata";
      if (fs::is_directory(testdata, ec)) {
        for (const auto& e : fs::directory_iterator(testdata, ec)) {
          const auto ext = e.path().extension();
          if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) s.testdata.push_back(e.path());
        }
      }
      std::sort(s.testdata.begin(), s.testdata.end());
      suites.push_back(std::move(s));
    }
  }
  return suites;
}

Result<std::vector<ConformanceCase>> load_cases(const fs::path& file) {
  auto docs = common::load_yaml_file(file);
  if (!docs) return docs.error();
  std::vector<ConformanceCase> cases;
  for (const auto& doc : *docs) {
    ConformanceCase c;
    c.file = file.string();
    if (!doc.is_object()) return Error{ErrorKind::Invalid, file.string() + ": a case must be a map"};
    const json* name = ifield(doc, "name");
    c.name = name != nullptr && name->is_string() ? name->get<std::string>() : "<unnamed>";
    const json* op = ifield(doc, "operation");
    if (op == nullptr || !op->is_string()) {
      return Error{ErrorKind::Invalid, file.string() + ": case \"" + c.name + "\" has no operation"};
    }
    auto parsed = parse_operation(op->get<std::string>(), true);
    if (!parsed) {
      return Error{ErrorKind::Invalid,
                   file.string() + ": case \"" + c.name + "\": unknown operation " + op->get<std::string>()};
    }
    c.operation = *parsed;
    c.desired = or_null(ifield(doc, "desiredObj"));
    c.observed = or_null(ifield(doc, "observedObj"));
    c.status_items = or_null(ifield(doc, "statusItems"));
    if (const json* r = ifield(doc, "inputReplicas"); r != nullptr && r->is_number()) {
      c.input_replicas = r->get<std::int64_t>();
    }
    c.output = or_null(ifield(doc, "output"));
    cases.push_back(std::move(c));
  }
  return cases;
}

Result<InterpretRequest> case_request(const ConformanceCase& c) {
  InterpretRequest r;
  r.operation = c.operation;
  if (c.operation == Operation::Retain) {
    if (c.desired.is_null() || c.observed.is_null()) {
      return Error{ErrorKind::BadRequest, "Retain needs both desiredObj and observedObj"};
    }
    r.object = c.desired;
    r.observed = c.observed;
  } else {
    if (!c.desired.is_null() && !c.observed.is_null()) {
      return Error{ErrorKind::BadRequest, "you can not specify both desired-file and observed-file options"};
    }
    if (c.desired.is_null() && c.observed.is_null()) {
      return Error{ErrorKind::BadRequest, "desiredObj or observedObj is required"};
    }
    r.object = c.desired.is_null() ? c.observed : c.desired;
  }
  r.replicas = c.input_replicas;
  r.status_items = c.status_items;
  return r;
}

json case_outputs(Operation op, const InterpretResult& result) {
  json out = json::object();
  switch (op) {
    case Operation::InterpretReplica:
      out["replica"] = result.replicas;
      if (!result.requirements.is_null()) out["requires"] = result.requirements;
      break;
    case Operation::InterpretComponent:
      out["components"] = result.components;
      break;
    case Operation::ReviseReplica:
      out["revised"] = result.object;
      break;
    case Operation::Retain:
      out["retained"] = result.object;
      break;
    case Operation::AggregateStatus:
      out["aggregatedStatus"] = result.object;
      break;
    case Operation::InterpretStatus:
      out["status"] = json::parse(result.raw_status);
      break;
    case Operation::InterpretHealth:
      out["healthy"] = result.healthy;
      break;
    case Operation::InterpretDependency:
      out["dependencies"] = result.dependencies;
      break;
  }
  return out;
}

std::vector<std::string> compare_outputs(const json& expected_output, const json& actual) {
  std::vector<std::string> problems;
  if (!expected_output.is_object()) return problems;
  for (const auto& [key, expected] : expected_output.items()) {
    const json* got = ifield(actual, key);
    if (got == nullptr) {
      problems.push_back(key + ": expected " + show(expected) + ", but the operation produced no " + key);
      continue;
    }
    std::string canonical = key;
    for (const auto& [k, v] : actual.items()) {
      if (lower(k) == lower(key)) canonical = k;
    }
    if (!compare_key(canonical, expected, *got)) {
      problems.push_back(key + ":\n    expected: " + show(normalize_numbers(expected)) +
                         "\n    got:      " + show(*got));
    }
  }
  return problems;
}

Result<ConformanceSummary> run_conformance(const std::vector<fs::path>& roots, std::ostream& out,
                                           EngineOptions options) {
  auto suites = discover_suites(roots);
  if (!suites) return suites.error();
  ConformanceSummary sum;
  Engine engine(options);
  auto fail = [&](const std::string& where, const std::string& what) {
    ++sum.failed;
    out << "FAIL " << where << "\n    " << what << "\n";
  };
  for (const auto& suite : *suites) {
    auto registry = load_registry({suite.customizations});
    for (const auto& file : suite.testdata) {
      auto cases = load_cases(file);
      if (!cases) {
        fail(file.string(), cases.error().message);
        continue;
      }
      for (const auto& c : *cases) {
        const std::string where = c.file + " \"" + c.name + "\" (" + std::string(operation_name(c.operation)) + ")";
        if (!registry) {
          fail(where, registry.error().message);
          continue;
        }
        engine.set_registry(*registry);
        auto request = case_request(c);
        if (!request) {
          fail(where, request.error().message);
          continue;
        }
        auto result = engine.interpret(*request);
        if (!result) {
          fail(where, result.error().message);
          continue;
        }
        auto problems = compare_outputs(c.output, case_outputs(c.operation, *result));
        if (problems.empty()) {
          ++sum.passed;
          continue;
        }
        std::string text;
        for (const auto& p : problems) text += (text.empty() ? "" : "\n    ") + p;
        fail(where, text);
      }
    }
  }
  return sum;
}

}  // namespace cell0::interp
