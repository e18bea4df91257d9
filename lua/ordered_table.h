// gopher-lua's table semantics on Lua 5.4 tables: iteration order, length and the table library.
//
// gopher-lua (what Karmada runs) keeps an array part (integer keys 1 <= k < 2^26, holes allowed)
// and remembers the order in which every other key first got a non-nil value; `next` walks the
// array part in index order and then those keys in that order, `#` is the last non-nil slot of
// the array part. Lua 5.4's own order follows a per-state hash seed, so the same script gave
// different answers from one state to the next.
//
// A table takes part in three ways, told apart by its metatable (scripts cannot reach
// metatables: getmetatable, setmetatable, rawset and rawget are disabled in the sandbox):
//   - pristine: the shared "pristine" metatable. Tables from JSON, pure list constructors and
//     `{}` (and, in scripts that cannot observe key order, constructors with named fields). No key was added since the
//     table was made, so its order is still implied by its content: integer keys ascending, then the other keys sorted
//     (Karmada's tables converted from JSON come from a Go map, so no script can depend on their order anyway). Adding
//     a key upgrades it to tracked.
//   - keyed: non-empty tables from JSON objects in scripts that cannot observe key order (no
//     pairs, no next): only `#` (push_object_metatable). Iterating one upgrades it, as pristine.
//   - tracked: a metatable of its own that records the order. Its __newindex fires only for
//     keys whose value is nil (Lua's rule), which is exactly when gopher-lua may record a key.
//   - plain: no metatable (library copies, tables of scripts that never iterate or measure
//     tables). Iterating one upgrades it, in the pristine order.
// Scripts whose tokens cannot reach iteration or length (script.h) skip all of this; scripts
// that can reach length but not order (no pairs, no next) record only the array end of tracked
// tables, and their tables reached by `next` another way iterate in the pristine order.
#pragma once

#include "lua.hpp"

namespace cell0::lua {

// Registers the pristine metatable and sets into the table at `base` the functions the sandbox
// exposes: next, pairs, ipairs, select, unpack, the table library (as a table under "table"),
// and the constructor helpers the load-time rewrite calls (kListConstructor, kTableConstructor).
void install_ordered_tables(lua_State* L, int base);

// Sets into the table at `tab` the table library functions that depend on length: insert,
// remove, concat, unpack, getn, maxn, pack (Lua 5.1's semantics over gopher-lua's length).
void set_table_functions(lua_State* L, int tab);

// Gives the table at `index` the pristine metatable (its order is implied by its content).
void mark_pristine(lua_State* L, int index);

// Pushes the pristine metatable (for converters that mark many tables).
void push_pristine_metatable(lua_State* L);

// Pushes the metatable for a non-empty table converted from a JSON object. In a script that can
// observe key order it is the pristine one. In the others it has no __newindex: a new string key
// changes neither their order nor their length, and a call per new key (`status.replicas = n`)
// cost a tenth of a status aggregation. Its `#` looks at every key, as integer keys a script
// adds to such a table are not recorded (gopher-lua's length is the highest one with a value).
void push_object_metatable(lua_State* L);

// gopher-lua's `#t`: the highest integer key 1 <= k < 2^26 with a non-nil value, 0 if none.
lua_Integer ordered_length(lua_State* L, int index);

// Globals the rewrite (concat_rewrite.h) calls for table constructors.
inline constexpr const char* kListConstructor = "__cell0_list";    // __cell0_list({...})
inline constexpr const char* kTableConstructor = "__cell0_table";  // see ordered_table.cc

}  // namespace cell0::lua
