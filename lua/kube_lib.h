// The `kube` library Karmada offers to customization scripts (reference §3.1):
// resourceAdd, getResourceQuantity, accuratePodRequirements, getPodDependencies.
#pragma once

#include "lua.hpp"

namespace cell0::lua {

// Pushes a new table holding the library's functions.
void push_kube_library(lua_State* L);

}  // namespace cell0::lua
