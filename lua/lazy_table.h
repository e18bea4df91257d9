// Input objects as tables that fill themselves in on first use.
//
// A rule usually reads a handful of fields of a large object, and pushing the whole object into
// Lua was most of a call's time. push_lazy_json pushes a structured value as a "shell": an empty
// table that remembers its JSON node. The first time a script touches a shell — reads a key,
// writes one, iterates it, measures it, hands it to a library function or returns it — the
// shell is filled with its own level (scalars as values, non-empty objects and arrays as new
// shells, so a sub-table is created once and is the same table every time) and gets the
// metatable a converted table has (ordered_table.h), after which it is an ordinary converted
// table. Filling a whole level at once, rather than key by key, keeps writes, nil assignment and
// iteration order exactly those of the converted table, with no per-key bookkeeping.
//
// Scripts cannot tell a shell from a converted table: rawget, rawset, rawequal, getmetatable,
// setmetatable, newproxy and debug are not in the sandbox (sandbox.cc), and every C function
// that reads tables raw (next, ipairs, unpack, the table library, the encoder) fills a shell
// first or, for the encoder, reads an untouched shell's JSON node directly.
#pragma once

#include <nlohmann/json.hpp>

#include "lua.hpp"
#include "lua/json_lua.h"

namespace cell0::lua {

// Pushes `value` as push_json would, objects and arrays as shells. A small value (under 32
// values) or one with only scalar members is converted at once: a shell would cost more than it
// can save. The nesting limit is checked
// over the whole value first, with push_json's error. Without a LuaState (a bare lua_State) it
// is push_json. The value must outlive the run (LuaState::begin_run .. end_run).
void push_lazy_json(lua_State* L, const nlohmann::json& value, int max_depth = kDefaultMaxDepth);

// Fills the table at `index` when it is a shell; false when it was not one.
bool materialize_if_lazy(lua_State* L, int index);

// The JSON node of the untouched shell at `index`, or nullptr when it is not one.
const nlohmann::json* lazy_node(lua_State* L, int index);

}  // namespace cell0::lua
