// Karmada's repair of empty tables after a Lua result is encoded (reference §2.6).
//
// Lua cannot tell {} from [], and gopher-json encodes every empty table as []. Karmada then
// looks at "reference" objects (the inputs of the call): an empty array in the result whose path
// holds {} in a reference becomes {}, one whose path holds [] there stays [], and any other is
// deleted. Paths are object keys joined by "." (with "." and ":" in keys escaped); array indices
// are not part of them, so a {} anywhere in a list element of a reference restores that key in
// every element of the result.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::lua {

enum class RepairTarget {
  Object,  // Unstructured, ReplicaRequirements, RawExtension, PodTemplateSpec: a bare [] is {}
  List,    // lists stay []
};

nlohmann::json repair_empty_tables(nlohmann::json encoded, const std::vector<const nlohmann::json*>& references,
                                   RepairTarget target);

}  // namespace cell0::lua
