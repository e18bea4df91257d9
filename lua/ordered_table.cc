#include "lua/ordered_table.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lua/go_format.h"
#include "lua/lazy_table.h"
#include "lua/runtime.h"

namespace cell0::lua {
namespace {

// Lightuserdata keys (scripts cannot make lightuserdata, so these never clash with theirs).
char kPristineKey;  // registry: the shared pristine metatable
char kKeyedKey;     // registry: the metatable of tables used as maps in scripts blind to key order
char kAmaxKey;      // tracked metatable: highest array index given a value (maybe nil again)
char kCountKey;     // tracked metatable: number of other keys recorded; -1: order not kept
char kOrderKey;     // tracked metatable: order table, [i] = i-th key and [key] = i

// gopher-lua's MaxArrayIndex: integer keys 1 <= k < 2^26 live in the array part.
constexpr lua_Integer kMaxArrayIndex = 67108864;
// C loops check the deadline this often (the instruction hook does not see them).
constexpr lua_Integer kBudgetStride = 4096;

// Whether the value at idx is an array key (a number with an integral value in range).
bool array_key(lua_State* L, int idx, lua_Integer* out) {
  if (lua_type(L, idx) != LUA_TNUMBER) return false;
  lua_Integer k = 0;
  if (lua_isinteger(L, idx)) {
    k = lua_tointeger(L, idx);
  } else {
    const double d = lua_tonumber(L, idx);
    if (!(d >= 1 && d < static_cast<double>(kMaxArrayIndex)) || d != std::floor(d)) return false;
    k = static_cast<lua_Integer>(d);
  }
  if (k < 1 || k >= kMaxArrayIndex) return false;
  *out = k;
  return true;
}

// Numbers are floats to scripts; Lua stores integral float keys as integers.
void to_float_at(lua_State* L, int idx) {
  if (!lua_isinteger(L, idx)) return;
  lua_pushnumber(L, static_cast<lua_Number>(lua_tointeger(L, idx)));
  lua_replace(L, idx);
}

lua_Integer get_int(lua_State* L, int mt, const void* key) {
  lua_rawgetp(L, mt, key);
  const lua_Integer v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

void set_int(lua_State* L, int mt, const void* key, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_rawsetp(L, mt, key);
}

// A number argument as gopher-lua's CheckInt reads it: truncated towards zero.
lua_Integer check_int(lua_State* L, int arg) {
  const double d = std::trunc(luaL_checknumber(L, arg));
  constexpr double kLimit = 4611686018427387904.0;  // 2^62: far beyond any table
  if (!(d > -kLimit && d < kLimit)) luaL_argerror(L, arg, "number out of range");
  return static_cast<lua_Integer>(d);
}

lua_Integer opt_int(lua_State* L, int arg, lua_Integer def) {
  return lua_isnoneornil(L, arg) ? def : check_int(L, arg);
}

enum class Kind { Plain, Pristine, Keyed, Tracked, Foreign };

// Which kind of table is at t (a lazy shell is filled first: it then is what a converted
// table is). For Tracked its metatable is left on the stack.
Kind kind_of(lua_State* L, int t) {
  materialize_if_lazy(L, t);
  if (!lua_getmetatable(L, t)) return Kind::Plain;
  if (lua_rawgetp(L, -1, &kAmaxKey) != LUA_TNIL) {
    lua_pop(L, 1);
    return Kind::Tracked;
  }
  lua_pop(L, 1);
  Kind kind = Kind::Foreign;
  for (auto [key, k] : {std::pair{&kPristineKey, Kind::Pristine}, std::pair{&kKeyedKey, Kind::Keyed}}) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    const bool same = lua_rawequal(L, -1, -2) != 0;
    lua_pop(L, 1);
    if (same) {
      kind = k;
      break;
    }
  }
  lua_pop(L, 1);
  return kind;
}

int tracked_newindex(lua_State* L);
int tracked_len(lua_State* L);

// Whether the running script can observe key order (it mentions pairs or next). Scripts that
// only measure tables (`#`, the table library) keep just the array end, which is all gopher-lua's
// length needs: recording every key's first insertion cost a third of such a call.
bool keeps_order(lua_State* L) { return LuaState::from(L).key_order(); }

void push_tracked_metatable(lua_State* L) {
  lua_createtable(L, 0, 5);
  lua_pushcfunction(L, tracked_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, tracked_len);
  lua_setfield(L, -2, "__len");
  set_int(L, lua_gettop(L), &kAmaxKey, 0);
  set_int(L, lua_gettop(L), &kCountKey, keeps_order(L) ? 0 : -1);
}

// Records key k (a key whose value just became non-nil) in the tracked metatable mt.
void record_key(lua_State* L, int mt, int k) {
  lua_Integer i = 0;
  if (array_key(L, k, &i)) {
    if (i > get_int(L, mt, &kAmaxKey)) set_int(L, mt, &kAmaxKey, i);
    return;
  }
  if (get_int(L, mt, &kCountKey) < 0) return;  // order not kept
  if (lua_rawgetp(L, mt, &kOrderKey) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, mt, &kOrderKey);
  }
  const int order = lua_gettop(L);
  // Positions are integers 1 <= i < 2^26 and the keys here never are: one table holds both.
  lua_pushvalue(L, k);
  if (lua_rawget(L, order) == LUA_TNIL) {  // a key set to nil and set again keeps its place
    const lua_Integer n = get_int(L, mt, &kCountKey) + 1;
    lua_pushvalue(L, k);
    lua_rawseti(L, order, n);
    lua_pushvalue(L, k);
    lua_pushinteger(L, n);
    lua_rawset(L, order);
    set_int(L, mt, &kCountKey, n);
  }
  lua_settop(L, order - 1);
}

// t[k] = v without metamethods (so a nil or NaN key raises as usual), recording k.
void tracked_set(lua_State* L, int t, int mt, int k, int v) {
  lua_pushvalue(L, k);
  lua_pushvalue(L, v);
  lua_rawset(L, t);
  if (!lua_isnil(L, v)) record_key(L, mt, k);
}

struct SortKey {
  int type;
  double number;
  std::string_view text;
  int slot;
};

// The pristine order: booleans, numbers ascending, strings in byte order; keys of other types
// (only possible in plain tables) keep Lua's order.
bool pristine_less(const SortKey& a, const SortKey& b) {
  if (a.type != b.type) return a.type < b.type;
  if (a.type == LUA_TSTRING) return a.text < b.text;
  if (a.type == LUA_TNUMBER || a.type == LUA_TBOOLEAN) return a.number < b.number;
  return a.slot < b.slot;
}

// Collects the keys of t other than array keys into a new table (pushed) and `out`, sorted in
// the pristine order; returns the highest array key.
lua_Integer collect_sorted_keys(lua_State* L, int t, std::vector<SortKey>& out) {
  lua_newtable(L);
  const int keys = lua_gettop(L);
  lua_Integer amax = 0;
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    lua_pop(L, 1);
    lua_Integer i = 0;
    if (array_key(L, -1, &i)) {
      amax = std::max(amax, i);
      continue;
    }
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, ++n);
    SortKey sk{lua_type(L, -1), 0, {}, n};
    if (sk.type == LUA_TNUMBER) {
      sk.number = lua_tonumber(L, -1);
    } else if (sk.type == LUA_TBOOLEAN) {
      sk.number = lua_toboolean(L, -1);
    } else if (sk.type == LUA_TSTRING) {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);  // a string already: no conversion in place
      sk.text = std::string_view(s, len);
    }
    out.push_back(sk);
  }
  std::sort(out.begin(), out.end(), pristine_less);
  return amax;
}

lua_Integer scan_length(lua_State* L, int t, bool from_border);

// Gives the plain or pristine table at t a tracked metatable holding its present keys in the
// pristine order; leaves the metatable on top of the stack.
void upgrade(lua_State* L, int t) {
  luaL_checkstack(L, 10, "table upgrade");
  if (!keeps_order(L)) {  // the array end only
    const lua_Integer amax = scan_length(L, t, false);
    push_tracked_metatable(L);
    set_int(L, lua_gettop(L), &kAmaxKey, amax);
    lua_pushvalue(L, -1);
    lua_setmetatable(L, t);
    return;
  }
  std::vector<SortKey> list;
  const lua_Integer amax = collect_sorted_keys(L, t, list);
  const int keys = lua_gettop(L);
  push_tracked_metatable(L);
  const int mt = lua_gettop(L);
  set_int(L, mt, &kAmaxKey, amax);
  if (!list.empty()) {
    const int size = static_cast<int>(std::min<std::size_t>(list.size(), INT_MAX / 2));
    lua_createtable(L, size, size);
    const int order = lua_gettop(L);
    lua_Integer pos = 0;
    for (const SortKey& sk : list) {
      lua_rawgeti(L, keys, sk.slot);
      lua_pushvalue(L, -1);
      lua_rawseti(L, order, ++pos);
      lua_pushinteger(L, pos);
      lua_rawset(L, order);
    }
    lua_rawsetp(L, mt, &kOrderKey);
    set_int(L, mt, &kCountKey, pos);
  }
  lua_pushvalue(L, mt);
  lua_setmetatable(L, t);
  lua_remove(L, keys);
}

// Lowers a tracked table's array end past trailing nils and returns it.
lua_Integer tracked_amax(lua_State* L, int t, int mt) {
  const lua_Integer recorded = get_int(L, mt, &kAmaxKey);
  lua_Integer amax = recorded;
  while (amax > 0) {
    const bool present = lua_rawgeti(L, t, amax) != LUA_TNIL;
    lua_pop(L, 1);
    if (present) break;
    if ((--amax % kBudgetStride) == 0) check_budget(L);
  }
  if (amax != recorded) set_int(L, mt, &kAmaxKey, amax);
  return amax;
}

// The highest array key of t by looking at its keys: all of them, or (pristine tables, whose
// integer keys all sit in Lua's array part) only those after Lua's border.
lua_Integer scan_length(lua_State* L, int t, bool from_border) {
  lua_Integer best = 0;
  if (from_border) best = static_cast<lua_Integer>(lua_rawlen(L, t));
  if (best > 0 && best < kMaxArrayIndex) {
    lua_pushinteger(L, best);
  } else {
    best = 0;
    lua_pushnil(L);
  }
  lua_Integer steps = 0;
  while (lua_next(L, t) != 0) {
    lua_pop(L, 1);
    lua_Integer i = 0;
    if (array_key(L, -1, &i) && i > best) best = i;
    if ((++steps % kBudgetStride) == 0) check_budget(L);
  }
  return best;
}

int tracked_newindex(lua_State* L) {
  lua_settop(L, 3);
  if (lua_isnil(L, 3)) {
    lua_rawset(L, 1);
    return 0;
  }
  lua_getmetatable(L, 1);
  tracked_set(L, 1, 4, 2, 3);
  return 0;
}

int tracked_len(lua_State* L) {
  lua_getmetatable(L, 1);
  lua_pushnumber(L, static_cast<lua_Number>(tracked_amax(L, 1, lua_gettop(L))));
  return 1;
}

int pristine_newindex(lua_State* L) {
  lua_settop(L, 3);
  lua_Integer index = 0;
  // Nothing becomes present, or (order not kept) a key that is not an array index: the pristine
  // length, scanned past Lua's border, stays right.
  if (lua_isnil(L, 3) || (!keeps_order(L) && !array_key(L, 2, &index))) {
    // A table with no list part getting a named key is used as a map (`status = {}`, then
    // `status.replicas = n`): made keyed, its later keys cost no call.
    if (!lua_isnil(L, 3) && lua_rawlen(L, 1) == 0) {
      lua_rawgetp(L, LUA_REGISTRYINDEX, &kKeyedKey);
      lua_setmetatable(L, 1);
    }
    lua_rawset(L, 1);
    return 0;
  }
  upgrade(L, 1);
  tracked_set(L, 1, lua_gettop(L), 2, 3);
  return 0;
}

int pristine_len(lua_State* L) {
  lua_pushnumber(L, static_cast<lua_Number>(scan_length(L, 1, true)));
  return 1;
}

// A keyed table's integer keys, if a script added any, sit anywhere: all keys are looked at.
int keyed_len(lua_State* L) {
  lua_pushnumber(L, static_cast<lua_Number>(scan_length(L, 1, false)));
  return 1;
}

// next over a table with a metatable that is not ours (a call environment): the pristine order
// of its present keys, worked out on every call (only _G is such a table, and it is small).
int sorted_next(lua_State* L) {
  std::vector<SortKey> list;
  const lua_Integer amax = collect_sorted_keys(L, 1, list);
  const int keys = lua_gettop(L);
  lua_Integer from = 0;  // array index to continue after; amax + 1 once past the array part
  std::size_t pos = 0;   // position in `list` to continue at
  if (!lua_isnil(L, 2)) {
    lua_Integer i = 0;
    if (array_key(L, 2, &i)) {
      from = i;
    } else {
      from = amax;
      for (; pos < list.size(); ++pos) {
        lua_rawgeti(L, keys, list[pos].slot);
        const bool same = lua_rawequal(L, -1, 2) != 0;
        lua_pop(L, 1);
        if (same) break;
      }
      if (pos == list.size()) return luaL_error(L, "invalid key to 'next'");
      ++pos;
    }
  }
  for (lua_Integer i = from + 1; i <= amax; ++i) {
    if (lua_rawgeti(L, 1, i) != LUA_TNIL) {
      lua_pushnumber(L, static_cast<lua_Number>(i));
      lua_insert(L, -2);
      return 2;
    }
    lua_pop(L, 1);
  }
  if (pos >= list.size()) {
    lua_pushnil(L);
    return 1;
  }
  lua_rawgeti(L, keys, list[pos].slot);
  lua_pushvalue(L, -1);
  lua_rawget(L, 1);
  to_float_at(L, -2);
  return 2;
}

int next_function(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  switch (kind_of(L, 1)) {
    case Kind::Foreign:
      return sorted_next(L);
    case Kind::Plain:
    case Kind::Pristine:
    case Kind::Keyed:
      upgrade(L, 1);
      break;
    case Kind::Tracked:
      break;
  }
  constexpr int mt = 3;
  // A table of a script that cannot name next (reached another way): the pristine order.
  if (get_int(L, mt, &kCountKey) < 0) return sorted_next(L);
  const lua_Integer amax = tracked_amax(L, 1, mt);
  lua_Integer after = 0;  // array index to continue after
  lua_Integer pos = 0;    // order position to continue after
  bool in_array = true;
  if (!lua_isnil(L, 2) && !array_key(L, 2, &after)) {
    in_array = false;
    if (lua_rawgetp(L, mt, &kOrderKey) != LUA_TNIL) {
      lua_pushvalue(L, 2);
      lua_rawget(L, -2);
      pos = lua_tointeger(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (pos == 0) return luaL_error(L, "invalid key to 'next'");
  }
  if (in_array) {
    for (lua_Integer i = after + 1; i <= amax; ++i) {
      if (lua_rawgeti(L, 1, i) != LUA_TNIL) {
        lua_pushnumber(L, static_cast<lua_Number>(i));
        lua_insert(L, -2);
        return 2;
      }
      lua_pop(L, 1);
      if ((i % kBudgetStride) == 0) check_budget(L);
    }
  }
  if (lua_rawgetp(L, mt, &kOrderKey) == LUA_TNIL) return 1;  // the nil on top
  const int order = lua_gettop(L);
  const lua_Integer n = get_int(L, mt, &kCountKey);
  for (lua_Integer p = pos + 1; p <= n; ++p) {
    lua_rawgeti(L, order, p);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, 1) != LUA_TNIL) {
      to_float_at(L, -2);
      return 2;
    }
    lua_pop(L, 2);
    if ((p % kBudgetStride) == 0) check_budget(L);
  }
  lua_pushnil(L);
  return 1;
}

int pairs_function(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int ipairs_step(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  materialize_if_lazy(L, 1);
  const lua_Integer i = check_int(L, 2) + 1;
  if (lua_rawgeti(L, 1, i) == LUA_TNIL) return 1;
  lua_pushnumber(L, static_cast<lua_Number>(i));
  lua_insert(L, -2);
  return 2;
}

int ipairs_function(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushnumber(L, 0);
  return 3;
}

// Lua 5.1's select, with a float count.
int select_function(lua_State* L) {
  const int n = lua_gettop(L);
  if (lua_type(L, 1) == LUA_TSTRING && *lua_tostring(L, 1) == '#') {
    lua_pushnumber(L, n - 1);
    return 1;
  }
  double i = std::trunc(luaL_checknumber(L, 1));
  if (i < 0) {
    i += n;
  } else if (i > n) {
    i = n;
  }
  luaL_argcheck(L, 1 <= i, 1, "index out of range");
  return n - static_cast<int>(i);
}

int unpack_function(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  materialize_if_lazy(L, 1);
  lua_Integer i = opt_int(L, 2, 1);
  const lua_Integer e = lua_isnoneornil(L, 3) ? ordered_length(L, 1) : check_int(L, 3);
  if (i > e) return 0;
  const lua_Unsigned count = static_cast<lua_Unsigned>(e) - static_cast<lua_Unsigned>(i) + 1;
  if (count >= static_cast<lua_Unsigned>(INT_MAX) || !lua_checkstack(L, static_cast<int>(count))) {
    return luaL_error(L, "too many results to unpack");
  }
  for (; i <= e; ++i) lua_rawgeti(L, 1, i);
  return static_cast<int>(count);
}

// Lua 5.1's table.insert, relative to gopher-lua's length.
int table_insert(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer e = ordered_length(L, 1) + 1;
  lua_Integer pos = e;
  switch (lua_gettop(L)) {
    case 2:
      break;
    case 3:
      pos = check_int(L, 2);
      if (pos > e) e = pos;
      for (lua_Integer i = e; i > pos; --i) {
        if ((i % kBudgetStride) == 0) check_budget(L);
        lua_rawgeti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      break;
    default:
      return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

// Lua 5.1's table.remove, relative to gopher-lua's length; nil (as gopher-lua) out of range.
int table_remove(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer e = ordered_length(L, 1);
  lua_Integer pos = opt_int(L, 2, e);
  lua_settop(L, 1);
  if (!(1 <= pos && pos <= e)) {
    lua_pushnil(L);
    return 1;
  }
  lua_rawgeti(L, 1, pos);
  for (; pos < e; ++pos) {
    if ((pos % kBudgetStride) == 0) check_budget(L);
    lua_rawgeti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
  }
  lua_pushnil(L);
  lua_seti(L, 1, e);
  return 1;
}

// table.concat with gopher-lua's number text (3, not 3.0).
int table_concat(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  materialize_if_lazy(L, 1);
  std::size_t sep_len = 0;
  const char* sep = luaL_optlstring(L, 2, "", &sep_len);
  lua_Integer i = opt_int(L, 3, 1);
  const lua_Integer last = lua_isnoneornil(L, 4) ? ordered_length(L, 1) : check_int(L, 4);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (; i <= last; ++i) {
    if ((i % kBudgetStride) == 0) check_budget(L);
    const int type = lua_rawgeti(L, 1, i);
    if (type == LUA_TSTRING) {
      luaL_addvalue(&b);
    } else if (type == LUA_TNUMBER) {
      const std::string text = go_lua_number_string(lua_tonumber(L, -1));
      lua_pop(L, 1);
      luaL_addlstring(&b, text.data(), text.size());
    } else {
      return luaL_error(L, "invalid value (at index %d) in table for 'concat'", static_cast<int>(i));
    }
    if (i != last) luaL_addlstring(&b, sep, sep_len);
  }
  luaL_pushresult(&b);
  return 1;
}

int table_getn(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushnumber(L, static_cast<lua_Number>(ordered_length(L, 1)));
  return 1;
}

int table_maxn(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  materialize_if_lazy(L, 1);
  double max = 0;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) > max) max = lua_tonumber(L, -1);
  }
  lua_pushnumber(L, max);
  return 1;
}

int table_pack(lua_State* L) {
  const int n = lua_gettop(L);
  lua_createtable(L, n, 1);
  lua_insert(L, 1);
  for (int i = n; i >= 1; --i) lua_rawseti(L, 1, i);
  lua_pushnumber(L, n);
  lua_setfield(L, 1, "n");
  mark_pristine(L, 1);
  return 1;
}

// __cell0_list({...}): a constructor's table without `[k] =` fields (all its integer keys in
// Lua's array part) made pristine; named fields only in chunks that cannot observe key order. Leaves alone a table that
// already has a metatable.
int list_constructor(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  mark_pristine(L, 1);
  return 1;
}

// __cell0_table(t, n, p, k1, v1, ..., kn, vn, rest...): sets the n pairs into t (a new tracked
// table when t is nil) in source order, then the values `rest` (a trailing multi-value field)
// at p, p + 1, ... The rewrite chains calls for large constructors (register limit).
int table_constructor(lua_State* L) {
  const int top = lua_gettop(L);
  const lua_Integer n = luaL_checkinteger(L, 2);
  const lua_Integer p = luaL_checkinteger(L, 3);
  luaL_argcheck(L, n >= 0 && 3 + 2 * n <= top, 2, "bad pair count");
  if (lua_isnil(L, 1)) {
    lua_createtable(L, 0, static_cast<int>(n));
    push_tracked_metatable(L);
    lua_setmetatable(L, -2);
    lua_replace(L, 1);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  if (kind_of(L, 1) != Kind::Tracked) return luaL_argerror(L, 1, "not a constructor table");
  const int mt = lua_gettop(L);
  for (int i = 0; i < n; ++i) tracked_set(L, 1, mt, 4 + 2 * i, 5 + 2 * i);
  lua_Integer at = p;
  for (int a = 4 + 2 * static_cast<int>(n); a <= top; ++a, ++at) {
    lua_pushinteger(L, at);
    tracked_set(L, 1, mt, lua_gettop(L), a);
    lua_pop(L, 1);
  }
  lua_settop(L, 1);
  return 1;
}

}  // namespace

lua_Integer ordered_length(lua_State* L, int index) {
  index = lua_absindex(L, index);
  switch (kind_of(L, index)) {
    case Kind::Tracked: {
      const lua_Integer n = tracked_amax(L, index, lua_gettop(L));
      lua_pop(L, 1);
      return n;
    }
    case Kind::Pristine:
      return scan_length(L, index, true);
    default:
      return scan_length(L, index, false);
  }
}

void push_pristine_metatable(lua_State* L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &kPristineKey); }

void push_object_metatable(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, keeps_order(L) ? &kPristineKey : &kKeyedKey);
}

void mark_pristine(lua_State* L, int index) {
  index = lua_absindex(L, index);
  if (lua_getmetatable(L, index)) {
    lua_pop(L, 1);
    return;
  }
  push_pristine_metatable(L);
  lua_setmetatable(L, index);
}

void install_ordered_tables(lua_State* L, int base) {
  base = lua_absindex(L, base);
  luaL_checkstack(L, 8, "ordered tables");
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, pristine_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, pristine_len);
  lua_setfield(L, -2, "__len");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kPristineKey);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, keyed_len);
  lua_setfield(L, -2, "__len");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kKeyedKey);

  lua_pushcfunction(L, next_function);
  lua_pushvalue(L, -1);
  lua_setfield(L, base, "next");
  lua_pushcclosure(L, pairs_function, 1);
  lua_setfield(L, base, "pairs");
  lua_pushcfunction(L, ipairs_step);
  lua_pushcclosure(L, ipairs_function, 1);
  lua_setfield(L, base, "ipairs");
  lua_pushcfunction(L, select_function);
  lua_setfield(L, base, "select");
  lua_pushcfunction(L, unpack_function);
  lua_setfield(L, base, "unpack");
  lua_pushcfunction(L, list_constructor);
  lua_setfield(L, base, kListConstructor);
  lua_pushcfunction(L, table_constructor);
  lua_setfield(L, base, kTableConstructor);
}

void set_table_functions(lua_State* L, int tab) {
  tab = lua_absindex(L, tab);
  const luaL_Reg functions[] = {
      {"insert", table_insert}, {"remove", table_remove}, {"concat", table_concat}, {"unpack", unpack_function},
      {"getn", table_getn},     {"maxn", table_maxn},     {"pack", table_pack},
  };
  for (const auto& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, tab, f.name);
  }
}

}  // namespace cell0::lua
