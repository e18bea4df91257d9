// The eight interpreter operations of Karmada's ResourceInterpreterContext and the names they
// carry on the wire, in customization CRs and in conformance cases.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace cell0::interp {

enum class Operation {
  InterpretReplica,
  InterpretComponent,
  ReviseReplica,
  Retain,
  AggregateStatus,
  InterpretStatus,
  InterpretHealth,
  InterpretDependency,
};

inline constexpr std::array<Operation, 8> kAllOperations = {
    Operation::InterpretReplica, Operation::InterpretComponent,  Operation::ReviseReplica,
    Operation::Retain,           Operation::AggregateStatus,     Operation::InterpretStatus,
    Operation::InterpretHealth,  Operation::InterpretDependency,
};

// Wire name, e.g. "InterpretReplica".
std::string_view operation_name(Operation op);
// Exact wire name; with case_insensitive (conformance files) "interpretreplica" matches too.
std::optional<Operation> parse_operation(std::string_view name, bool case_insensitive = false);
// Key of the rule in spec.customizations, e.g. "replicaResource".
std::string_view rule_name(Operation op);
// Lua function the rule's script must define, e.g. "GetReplicas". All these views are of
// string literals, so data() is NUL-terminated.
std::string_view lua_function(Operation op);

}  // namespace cell0::interp
