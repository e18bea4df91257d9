#include "interpreters/operation.h"

#include <algorithm>
#include <cctype>

namespace cell0::interp {
namespace {

struct OperationInfo {
  Operation op;
  std::string_view name;
  std::string_view rule;
  std::string_view function;
};

constexpr OperationInfo kInfo[] = {
    {Operation::InterpretReplica, "InterpretReplica", "replicaResource", "GetReplicas"},
    {Operation::InterpretComponent, "InterpretComponent", "componentResource", "GetComponents"},
    {Operation::ReviseReplica, "ReviseReplica", "replicaRevision", "ReviseReplica"},
    {Operation::Retain, "Retain", "retention", "Retain"},
    {Operation::AggregateStatus, "AggregateStatus", "statusAggregation", "AggregateStatus"},
    {Operation::InterpretStatus, "InterpretStatus", "statusReflection", "ReflectStatus"},
    {Operation::InterpretHealth, "InterpretHealth", "healthInterpretation", "InterpretHealth"},
    {Operation::InterpretDependency, "InterpretDependency", "dependencyInterpretation", "GetDependencies"},
};

const OperationInfo& info(Operation op) { return kInfo[static_cast<int>(op)]; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view operation_name(Operation op) { return info(op).name; }
std::string_view rule_name(Operation op) { return info(op).rule; }
std::string_view lua_function(Operation op) { return info(op).function; }

std::optional<Operation> parse_operation(std::string_view name, bool case_insensitive) {
  for (const auto& i : kInfo) {
    if (case_insensitive ? iequals(i.name, name) : i.name == name) return i.op;
  }
  return std::nullopt;
}

}  // namespace cell0::interp
