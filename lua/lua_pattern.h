// Lua 5.4 pattern matching (string.find / string.match / string.gmatch) that honours the
// script's time budget: the C library's matcher runs without the instruction hook firing,
// so a catastrophic pattern could otherwise run for minutes.
#pragma once

#include "lua.hpp"

namespace cell0::lua {

// Called every few thousand matching steps; raises a Lua error (lua_error) when the budget is spent.
using BudgetCheck = void (*)(lua_State* L);

// Sets fields "find", "match", "gmatch" in the table at `table_index` to C closures implementing
// Lua 5.4's string.find / string.match / string.gmatch (same arguments, results and error
// messages), calling `check` regularly during matching. The function pointer is kept as a light
// userdata upvalue.
void set_pattern_functions(lua_State* L, int table_index, BudgetCheck check);

}  // namespace cell0::lua
