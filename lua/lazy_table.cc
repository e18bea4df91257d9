#include "lua/lazy_table.h"

#include <cstdint>
#include <string>

#include "lua/ordered_table.h"
#include "lua/runtime.h"

namespace cell0::lua {
namespace {

using nlohmann::json;

// Lightuserdata keys (scripts cannot make lightuserdata, so these never clash with theirs).
char kNodeKey;       // in a shell: the id of its JSON node (LuaState::add_lazy_node)
char kMetatableKey;  // registry: the metatable every shell shares

// Below this many values a value is converted whole: a shell and its filling cost more than
// converting what a script might skip (the example Workload's Retain: ~10 values, all read).
constexpr std::size_t kLazyFromValues = 32;

// push_json's limit, checked up front so a deep object fails before the script runs, as it
// does when converted whole. Nulls are dropped unconverted, so they do not count. Returns the
// number of values.
std::size_t check_depth(const json& v, int depth, int max_depth) {
  if (depth > max_depth) {
    throw ConversionError("object is nested deeper than " + std::to_string(max_depth) + " levels");
  }
  if (v.is_binary()) throw ConversionError("binary values cannot be converted to Lua");
  if (!v.is_structured()) return 1;
  std::size_t values = 1;
  for (const auto& e : v) {
    if (!e.is_null()) values += check_depth(e, depth + 1, max_depth);
  }
  return values;
}

// A structured value's table: sized as push_json sizes it, with room for the node key.
void push_shell(lua_State* L, LuaState& state, const json& v, int metatable) {
  const int size = static_cast<int>(v.size());
  lua_createtable(L, v.is_array() ? size : 0, v.is_array() ? 1 : size + 1);
  lua_pushinteger(L, state.add_lazy_node(&v));
  lua_rawsetp(L, -2, &kNodeKey);
  lua_pushvalue(L, metatable);
  lua_setmetatable(L, -2);
}

// The metatable of a converted table, by push_json's rule: none when the script does not follow
// gopher-lua's order, else the pristine one, or for a non-empty object push_object_metatable's.
void set_converted_metatable(lua_State* L, const LuaState& state, int t, bool nonempty_object) {
  if (!state.ordered_tables()) {
    lua_pushnil(L);
  } else if (nonempty_object) {
    push_object_metatable(L);
  } else {
    push_pristine_metatable(L);
  }
  lua_setmetatable(L, t);
}

// One value of a level being filled: scalars as push_json pushes them, non-empty objects and
// arrays as shells; an empty one is already what it converts to.
void push_member(lua_State* L, LuaState& state, const json& v, int metatable) {
  switch (v.type()) {
    case json::value_t::boolean:
      lua_pushboolean(L, v.get<bool>() ? 1 : 0);
      return;
    case json::value_t::number_integer:
      lua_pushnumber(L, static_cast<double>(v.get<std::int64_t>()));
      return;
    case json::value_t::number_unsigned:
      lua_pushnumber(L, static_cast<double>(v.get<std::uint64_t>()));
      return;
    case json::value_t::number_float:
      lua_pushnumber(L, v.get<double>());
      return;
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case json::value_t::array:
    case json::value_t::object:
      if (!v.empty()) {
        push_shell(L, state, v, metatable);
        return;
      }
      lua_createtable(L, 0, 0);
      set_converted_metatable(L, state, lua_gettop(L), false);
      return;
    default:  // null (skipped by the caller), binary (refused by check_depth)
      lua_pushnil(L);
      return;
  }
}

void push_lazy_metatable(lua_State* L);

bool fill(lua_State* L, int t) {
  if (lua_rawgetp(L, t, &kNodeKey) != LUA_TNUMBER) {
    lua_pop(L, 1);
    return false;
  }
  LuaState& state = LuaState::from(L);
  const auto* node = static_cast<const json*>(state.lazy_node(lua_tointeger(L, -1)));
  lua_pop(L, 1);
  if (node == nullptr) luaL_error(L, "a table of an earlier call was used");
  luaL_checkstack(L, 6, "lazy table");
  lua_pushnil(L);
  lua_rawsetp(L, t, &kNodeKey);
  push_lazy_metatable(L);
  const int metatable = lua_gettop(L);
  if (node->is_array()) {
    lua_Integer i = 0;
    for (const auto& e : *node) {
      if (e.is_null()) continue;  // gopher-json drops nulls and compacts the array
      push_member(L, state, e, metatable);
      lua_rawseti(L, t, ++i);
    }
  } else {
    for (const auto& [k, e] : node->items()) {
      if (e.is_null()) continue;
      lua_pushlstring(L, k.data(), k.size());
      push_member(L, state, e, metatable);
      lua_rawset(L, t);
    }
  }
  lua_pop(L, 1);
  set_converted_metatable(L, state, t, node->is_object() && !node->empty());
  return true;
}

// The metamethods fire only while a table is a shell (filling replaces the metatable); each
// fills it and then does what the operation does on a converted table.
int shell_index(lua_State* L) {
  fill(L, 1);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

int shell_newindex(lua_State* L) {
  fill(L, 1);
  lua_settop(L, 3);
  lua_settable(L, 1);  // through the converted table's own __newindex when the key is new
  return 0;
}

int shell_len(lua_State* L) {
  fill(L, 1);
  lua_len(L, 1);
  return 1;
}

void push_lazy_metatable(lua_State* L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &kMetatableKey) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_createtable(L, 0, 3);
  lua_pushcfunction(L, shell_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, shell_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, shell_len);
  lua_setfield(L, -2, "__len");
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kMetatableKey);
}

// Whether a shell could save anything: a value whose members are all scalars is filled whole on
// its first use, which costs what converting it costs plus the shell (a CloneSet status item).
bool has_structured_member(const json& value) {
  for (const auto& e : value) {
    if (e.is_structured()) return true;
  }
  return false;
}

}  // namespace

void push_lazy_json(lua_State* L, const nlohmann::json& value, int max_depth) {
  LuaState* state = LuaState::owner(L);
  if (state == nullptr || !value.is_structured() || !has_structured_member(value)) {
    push_json(L, value, max_depth);
    return;
  }
  if (check_depth(value, 0, max_depth) < kLazyFromValues) {
    push_json(L, value, max_depth);
    return;
  }
  luaL_checkstack(L, 3, "push_lazy_json");
  push_lazy_metatable(L);
  push_shell(L, *state, value, lua_gettop(L));
  lua_remove(L, -2);
}

bool materialize_if_lazy(lua_State* L, int index) { return fill(L, lua_absindex(L, index)); }

const nlohmann::json* lazy_node(lua_State* L, int index) {
  if (lua_rawgetp(L, index, &kNodeKey) != LUA_TNUMBER) {
    lua_pop(L, 1);
    return nullptr;
  }
  const LuaState* state = LuaState::owner(L);
  const void* node = state != nullptr ? state->lazy_node(lua_tointeger(L, -1)) : nullptr;
  lua_pop(L, 1);
  return static_cast<const json*>(node);
}

}  // namespace cell0::lua
