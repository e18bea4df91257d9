#include "lua/sandbox.h"

#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "lua/go_format.h"
#include "lua/kube_lib.h"
#include "lua/lua_pattern.h"
#include "lua/ordered_table.h"
#include "lua/runtime.h"
#include "lua/script.h"
#include "lua/unicode_case.h"

namespace cell0::lua {
namespace {

std::atomic<PrintSink> g_print_sink{nullptr};

// Registry keys (addresses are unique).
char kBaseKey;
char kEnvMetaKey;
char kLibrariesKey;
char kKubeKey;

constexpr const char* kDisabledBase[] = {
    "collectgarbage", "dofile", "getfenv", "getmetatable", "load",         "loadfile", "loadstring",
    "rawequal",       "rawget", "rawset",  "setfenv",      "setmetatable", "module",   "newproxy",
};

int disabled_function(lua_State* L) {
  const char* name = lua_tostring(L, lua_upvalueindex(1));
  luaL_where(L, 1);
  lua_pushfstring(L, "call function %s is not supported in karmada customized resourceinterpreter.", name);
  lua_concat(L, 2);
  return lua_error(L);
}

int unsupported_string_function(lua_State* L) {
  const char* name = lua_tostring(L, lua_upvalueindex(1));
  return luaL_error(L,
                    "The Lua function string.%s is not supported by Karmada. If you believe this "
                    "function is essential for your use case, please submit an issue to let us "
                    "know why you need it.",
                    name);
}

void push_go_number_string(lua_State* L, int index);

// Calls the wrapped function (upvalue 1) after checking the length of every string argument.
// The first `upvalue 2` arguments are strings: numbers there become gopher-lua's text
// (string.len(12345) is 5, not the 7 of "12345.0"). With upvalue 3, the other number
// arguments are truncated, as gopher-lua's CheckInt does (string.sub(s, 1, 7 / 2)).
int length_checked(lua_State* L) {
  const int n = lua_gettop(L);
  const int strings = static_cast<int>(lua_tointeger(L, lua_upvalueindex(2)));
  const bool truncate = lua_toboolean(L, lua_upvalueindex(3)) != 0;
  for (int i = 1; i <= n; ++i) {
    if (lua_type(L, i) != LUA_TNUMBER) continue;
    if (i <= strings) {
      push_go_number_string(L, i);
      lua_replace(L, i);
    } else if (truncate && !lua_isinteger(L, i)) {
      const double d = lua_tonumber(L, i);
      if (std::isfinite(d) && std::fabs(d) < 9.2e18) {
        lua_pushinteger(L, static_cast<lua_Integer>(d));
        lua_replace(L, i);
      }
    }
  }
  for (int i = 1; i <= n; ++i) {
    if (lua_type(L, i) != LUA_TSTRING) continue;
    const std::size_t len = lua_rawlen(L, i);
    if (len > kMaxStringArgument) {
      return luaL_error(L,
                        "string length %I exceeds the maximum allowed input string length %I in "
                        "Karmada lua string lib, please check your lua script.",
                        static_cast<lua_Integer>(len), static_cast<lua_Integer>(kMaxStringArgument));
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

// Replaces t[name] with a length-checking wrapper of itself (see length_checked).
void wrap_length_checked(lua_State* L, int t, const char* name, int strings, bool truncate) {
  lua_getfield(L, t, name);
  lua_pushinteger(L, strings);
  lua_pushboolean(L, truncate ? 1 : 0);
  lua_pushcclosure(L, length_checked, 3);
  lua_setfield(L, t, name);
}

template <bool upper>
int string_case(lua_State* L) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const std::string out = upper ? unicode_upper({s, len}) : unicode_lower({s, len});
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// Calls the wrapped function (upvalue 1) and turns integer results into floats: Lua 5.1 has
// no integer subtype, so math.floor(2.5), string.len or tonumber("10") give floats.
int float_results(lua_State* L) {
  const int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  const int top = lua_gettop(L);
  for (int i = 1; i <= top; ++i) {
    if (lua_isinteger(L, i)) {
      lua_pushnumber(L, static_cast<lua_Number>(lua_tointeger(L, i)));
      lua_replace(L, i);
    }
  }
  return top;
}

void wrap_float_results(lua_State* L, int t, const char* name) {
  lua_getfield(L, t, name);
  lua_pushcclosure(L, float_results, 1);
  lua_setfield(L, t, name);
}

// An arithmetic operand as Lua 5.1 coerces it: a number, or a string that reads as one.
bool arithmetic_operand(lua_State* L, int i, double* out) {
  if (lua_type(L, i) == LUA_TNUMBER) {
    *out = lua_tonumber(L, i);
    return true;
  }
  if (lua_type(L, i) != LUA_TSTRING) return false;
  std::size_t len = 0;
  const char* s = lua_tolstring(L, i, &len);
  if (lua_stringtonumber(L, s) != len + 1) return false;
  *out = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return true;
}

enum class Arith { Add, Sub, Mul, Div, Mod, Pow, Unm, IDiv };

// The string metatable's arithmetic metamethods: "10" + 5 is 15 (Lua 5.1's coercion, in float).
template <Arith op>
int string_arithmetic(lua_State* L) {
  double a = 0;
  double b = 0;
  for (int i = 1; i <= (op == Arith::Unm ? 1 : 2); ++i) {
    if (!arithmetic_operand(L, i, i == 1 ? &a : &b)) {
      return luaL_error(L, "attempt to perform arithmetic on a %s value", luaL_typename(L, i));
    }
  }
  double r = 0;
  switch (op) {
    case Arith::Add:
      r = a + b;
      break;
    case Arith::Sub:
      r = a - b;
      break;
    case Arith::Mul:
      r = a * b;
      break;
    case Arith::Div:
      r = a / b;
      break;
    case Arith::Mod:
      r = std::fmod(a, b);
      if ((r > 0) ? b < 0 : (r < 0 && b != r)) r += b;
      break;
    case Arith::Pow:
      r = std::pow(a, b);
      break;
    case Arith::Unm:
      r = -a;
      break;
    case Arith::IDiv:
      r = std::floor(a / b);
      break;
  }
  lua_pushnumber(L, r);
  return 1;
}

void set_string_arithmetic(lua_State* L, int mt) {
  const luaL_Reg methods[] = {
      {"__add", string_arithmetic<Arith::Add>}, {"__sub", string_arithmetic<Arith::Sub>},
      {"__mul", string_arithmetic<Arith::Mul>}, {"__div", string_arithmetic<Arith::Div>},
      {"__mod", string_arithmetic<Arith::Mod>}, {"__pow", string_arithmetic<Arith::Pow>},
      {"__unm", string_arithmetic<Arith::Unm>}, {"__idiv", string_arithmetic<Arith::IDiv>},
  };
  for (const auto& m : methods) {
    lua_pushcfunction(L, m.func);
    lua_setfield(L, mt, m.name);
  }
}

void push_go_number_string(lua_State* L, int index) {
  const std::string s =
      lua_isinteger(L, index) ? std::to_string(lua_tointeger(L, index)) : go_lua_number_string(lua_tonumber(L, index));
  lua_pushlstring(L, s.data(), s.size());
}

// tostring with gopher-lua's number text: 3 -> "3", 0.1+0.2 -> "0.30000000000000004".
int go_tostring(lua_State* L) {
  luaL_checkany(L, 1);
  if (lua_type(L, 1) == LUA_TNUMBER) {
    push_go_number_string(L, 1);
  } else {
    luaL_tolstring(L, 1, nullptr);
  }
  return 1;
}

// Go's %g with no width or precision: shortest digits, exponent form when the exponent is
// below -4 or at least 6 (C's %g prints 6 significant digits instead).
std::string go_shortest_g(double x, bool upper) {
  if (!std::isfinite(x)) return go_lua_number_string(x);
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string text(buf, sci.ptr);
  const int exp = std::stoi(text.substr(text.find('e') + 1));
  if (exp >= -4 && exp < 6) {
    auto fixed = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed);
    text.assign(buf, fixed.ptr);
  }
  if (upper) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

// string.format with gopher-lua's conversions: %d of 3.7 is "3", %s of a number uses tostring,
// a bare %g is Go's shortest form.
int go_format(lua_State* L) {
  const int top = lua_gettop(L);
  std::size_t len = 0;
  const char* fmt = luaL_checklstring(L, 1, &len);
  std::string rewritten;  // the format with bare %g turned into %s, when there is one
  int arg = 1;
  for (std::size_t i = 0; i < len; ++i) {
    if (fmt[i] != '%') continue;
    if (++i < len && fmt[i] == '%') continue;
    const std::size_t spec = i;
    while (i < len && std::string_view("-+ #0123456789.").find(fmt[i]) != std::string_view::npos) ++i;
    if (i >= len) break;
    ++arg;
    if (arg > top || lua_type(L, arg) != LUA_TNUMBER) continue;
    if ((fmt[i] == 'g' || fmt[i] == 'G') && i == spec) {
      if (rewritten.empty()) rewritten.assign(fmt, len);
      rewritten[i] = 's';
      const std::string text = go_shortest_g(lua_tonumber(L, arg), fmt[i] == 'G');
      lua_pushlstring(L, text.data(), text.size());
      lua_replace(L, arg);
      continue;
    }
    switch (fmt[i]) {
      case 'd':
      case 'i':
      case 'c':
      case 'o':
      case 'u':
      case 'x':
      case 'X':
        if (!lua_isinteger(L, arg)) {
          lua_pushinteger(L, go_float_to_int64(lua_tonumber(L, arg)));
          lua_replace(L, arg);
        }
        break;
      case 's':
        push_go_number_string(L, arg);
        lua_replace(L, arg);
        break;
      default:
        break;
    }
  }
  if (!rewritten.empty()) {
    lua_pushlstring(L, rewritten.data(), rewritten.size());
    lua_replace(L, 1);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, top, 1);
  return 1;
}

// Target of the `..` rewrite (script.h): concatenation with gopher-lua's number text.
int concat_function(lua_State* L) {
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    switch (lua_type(L, i)) {
      case LUA_TSTRING:
        break;
      case LUA_TNUMBER:
        push_go_number_string(L, i);
        lua_replace(L, i);
        break;
      default:
        return luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, i));
    }
  }
  lua_concat(L, n);
  return 1;
}

// xpcall that runs the message handler after unwinding, under the same budget. Lua runs a
// handler for an error raised by a hook with hooks disabled, so the native xpcall would let a
// handler loop forever after a timeout. Without the debug library a handler cannot observe the
// difference.
int xpcall_function(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 1);
  for (int i = 3; i <= n; ++i) lua_pushvalue(L, i);
  if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK) {
    lua_pushboolean(L, 1);
    lua_insert(L, n + 1);
    return lua_gettop(L) - n;
  }
  lua_pushvalue(L, 2);
  lua_insert(L, -2);
  lua_call(L, 1, 1);
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}

int print_function(lua_State* L) {
  PrintSink sink = g_print_sink.load(std::memory_order_relaxed);
  if (sink == nullptr) return 0;
  std::string line;
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    if (i > 1) line.push_back('\t');
    if (lua_type(L, i) == LUA_TNUMBER) {
      push_go_number_string(L, i);
    } else {
      luaL_tolstring(L, i, nullptr);
    }
    line += lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  sink(line);
  return 0;
}

int require_function(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  if (std::string_view(name) == "kube") {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kKubeKey);
    // Each require gets its own copy, so a script cannot change kube for anyone else.
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3) != 0) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
    mark_pristine(L, -1);
    return 1;
  }
  return luaL_error(L, "module %s not found:\n\tno field package.preload['%s'], ", name, name);
}

int loadlib_function(lua_State* L) { return luaL_error(L, "loadlib is not supported"); }

// A call environment keeps globals that shadow a base name (`error = ''`, `string = nil`) in a
// side table under kShadowKey instead of in itself: Lua deletes a key assigned nil, and reading
// the deleted name would otherwise find the base value again, where Karmada's single global
// table finds nil. Other globals are stored in the environment directly.
char kShadowKey;
char kNilMarker;

// Pushes the shadow table of the environment at index 1, creating it when asked.
bool push_shadow(lua_State* L, bool create) {
  if (lua_rawgetp(L, 1, &kShadowKey) == LUA_TTABLE) return true;
  lua_pop(L, 1);
  if (!create) return false;
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, 1, &kShadowKey);
  return true;
}

// __index of a call environment (1: env, 2: key); upvalue 1 is the base table, 2 the set of
// library tables.
int environment_index(lua_State* L) {
  if (push_shadow(L, false)) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) {
      if (lua_touserdata(L, -1) == &kNilMarker) lua_pushnil(L);
      return 1;
    }
    lua_pop(L, 2);
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (lua_type(L, -1) != LUA_TTABLE) return 1;
  lua_pushvalue(L, -1);
  if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TNIL) {
    lua_pop(L, 1);
    return 1;
  }
  lua_pop(L, 1);
  // A library: give this call its own copy, tables inside it (package.loaded, package.preload)
  // copied too, so nothing a script stores there is seen by a later call on this state.
  const int lib = lua_gettop(L);
  lua_createtable(L, 0, 32);
  lua_pushnil(L);
  while (lua_next(L, lib) != 0) {
    if (lua_type(L, -1) == LUA_TTABLE) {
      const int inner = lua_gettop(L);
      lua_newtable(L);
      lua_pushnil(L);
      while (lua_next(L, inner) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
      }
      lua_replace(L, inner);
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  push_shadow(L, true);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return 1;
}

// __newindex of a call environment (1: env, 2: key, 3: value); upvalue 1 is the base table.
int environment_newindex(lua_State* L) {
  lua_pushvalue(L, 2);
  const bool shadows_base = lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL;
  lua_pop(L, 1);
  if (!shadows_base) {
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
  }
  push_shadow(L, true);
  lua_pushvalue(L, 2);
  if (lua_isnil(L, 3)) {
    lua_pushlightuserdata(L, &kNilMarker);
  } else {
    lua_pushvalue(L, 3);
  }
  lua_rawset(L, -3);
  return 0;
}

// Opens a standard library into a throwaway global and returns it on the stack.
void open_library(lua_State* L, const char* name, lua_CFunction open) { luaL_requiref(L, name, open, 0); }

void copy_fields(lua_State* L, int from, int to, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    lua_getfield(L, from, n);
    lua_setfield(L, to, n);
  }
}

int math_pow(lua_State* L) {
  lua_pushnumber(L, std::pow(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
  return 1;
}

int math_log10(lua_State* L) {
  lua_pushnumber(L, std::log10(luaL_checknumber(L, 1)));
  return 1;
}

// table.move with the deadline checked as it goes. The library's own loop runs in C without
// executing a Lua instruction, so the budget hook never saw `table.move({}, 1, 2^62, 1, {})`
// and the worker ran for hours. Same arguments, checks and copy order as the manual's.
int table_move(lua_State* L) {
  const lua_Integer from = luaL_checkinteger(L, 2);
  const lua_Integer last = luaL_checkinteger(L, 3);
  const lua_Integer to = luaL_checkinteger(L, 4);
  const int dest = lua_isnoneornil(L, 5) ? 1 : 5;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, dest, LUA_TTABLE);
  if (last >= from) {
    luaL_argcheck(L, from > 0 || last < LUA_MAXINTEGER + from, 3, "too many elements to move");
    const lua_Integer count = last - from + 1;
    luaL_argcheck(L, to <= LUA_MAXINTEGER - count + 1, 4, "destination wrap around");
    // Copying upwards inside one table must start from the end, or it reads what it wrote.
    const bool ascending = to > last || to <= from || (dest != 1 && !lua_rawequal(L, 1, dest));
    for (lua_Integer done = 0; done < count; ++done) {
      if ((done & 0xfff) == 0xfff) check_budget(L);
      const lua_Integer i = ascending ? done : count - 1 - done;
      lua_geti(L, 1, from + i);
      lua_seti(L, dest, to + i);
    }
  }
  lua_pushvalue(L, dest);
  return 1;
}

}  // namespace

void set_print_sink(PrintSink sink) { g_print_sink.store(sink, std::memory_order_relaxed); }

void install_sandbox(lua_State* L) {
  luaL_checkstack(L, 16, "sandbox");
  lua_newtable(L);  // base
  const int base = lua_gettop(L);
  lua_newtable(L);  // set of library tables
  const int libs = lua_gettop(L);

  // Base functions.
  luaL_requiref(L, "_G", luaopen_base, 0);
  const int g = lua_gettop(L);
  copy_fields(L, g, base, {"assert", "error", "pcall", "tonumber", "type"});
  wrap_float_results(L, base, "tonumber");
  install_ordered_tables(L, base);  // next, pairs, ipairs, select, unpack, constructors
  lua_pushcfunction(L, xpcall_function);
  lua_setfield(L, base, "xpcall");
  lua_pushcfunction(L, go_tostring);
  lua_setfield(L, base, "tostring");
  lua_pushcfunction(L, print_function);
  lua_setfield(L, base, "print");
  lua_pushcfunction(L, require_function);
  lua_setfield(L, base, "require");
  lua_pushcfunction(L, concat_function);
  lua_setfield(L, base, kConcatFunction);
  lua_pushliteral(L, "Lua 5.1");  // what Karmada's gopher-lua reports
  lua_setfield(L, base, "_VERSION");
  for (const char* name : kDisabledBase) {
    lua_pushstring(L, name);
    lua_pushcclosure(L, disabled_function, 1);
    lua_setfield(L, base, name);
  }
  lua_pop(L, 1);

  auto add_library = [&](const char* name) {  // library table on top of the stack
    lua_pushvalue(L, -1);
    lua_pushboolean(L, 1);
    lua_rawset(L, libs);
    lua_setfield(L, base, name);
  };

  // table: gopher-lua's length semantics (ordered_table.h), with Lua 5.1's getn and maxn.
  // sort is Lua 5.4's, which reads the length and the elements through the metamethods.
  open_library(L, LUA_TABLIBNAME, luaopen_table);
  const int tab = lua_gettop(L);
  lua_newtable(L);
  copy_fields(L, tab, tab + 1, {"sort"});
  lua_pushcfunction(L, table_move);
  lua_setfield(L, -2, "move");
  set_table_functions(L, tab + 1);
  add_library("table");
  lua_pop(L, 1);

  // math (+ pow and log10, which gopher-lua keeps from Lua 5.1).
  open_library(L, LUA_MATHLIBNAME, luaopen_math);
  {
    // Every number is a float: integer results become floats, the integer limits go.
    const int math = lua_gettop(L);
    for (const char* name : {"abs", "ceil", "floor", "fmod", "max", "min", "modf", "random", "tointeger"}) {
      wrap_float_results(L, math, name);
    }
    for (const char* name : {"maxinteger", "mininteger", "ult"}) {
      lua_pushnil(L);
      lua_setfield(L, math, name);
    }
  }
  lua_pushcfunction(L, math_pow);
  lua_setfield(L, -2, "pow");
  lua_pushcfunction(L, math_log10);
  lua_setfield(L, -2, "log10");
  add_library("math");

  // os: time and date only.
  open_library(L, LUA_OSLIBNAME, luaopen_os);
  const int os = lua_gettop(L);
  lua_newtable(L);
  copy_fields(L, os, os + 1, {"time", "date"});
  wrap_float_results(L, os + 1, "time");
  add_library("os");
  lua_pop(L, 1);

  // string: the safe subset, with argument length checks and budgeted pattern matching.
  open_library(L, LUA_STRLIBNAME, luaopen_string);
  const int str = lua_gettop(L);
  lua_newtable(L);
  const int safe = lua_gettop(L);
  copy_fields(L, str, safe, {"byte", "char", "len", "reverse", "sub"});
  lua_pushcfunction(L, string_case<true>);
  lua_setfield(L, safe, "upper");
  lua_pushcfunction(L, string_case<false>);
  lua_setfield(L, safe, "lower");
  wrap_float_results(L, safe, "byte");
  wrap_float_results(L, safe, "len");
  lua_getfield(L, str, "format");
  lua_pushcclosure(L, go_format, 1);
  lua_setfield(L, safe, "format");
  set_pattern_functions(L, safe, check_budget);
  lua_getfield(L, safe, "gmatch");
  lua_setfield(L, safe, "gfind");
  for (const char* name : {"byte", "len", "lower", "reverse", "sub", "upper"}) {
    wrap_length_checked(L, safe, name, 1, true);
  }
  for (const char* name : {"find", "match", "gmatch", "gfind"}) wrap_length_checked(L, safe, name, 2, true);
  wrap_length_checked(L, safe, "char", 0, true);
  wrap_length_checked(L, safe, "format", 0, false);
  for (const char* name : {"rep", "gsub", "dump"}) {
    lua_pushstring(L, name);
    lua_pushcclosure(L, unsupported_string_function, 1);
    lua_setfield(L, safe, name);
  }
  // Method calls on strings ("x"):upper() read the shared safe table; scripts never get the
  // table itself (getmetatable is disabled), only per-call copies through `string`.
  lua_pushliteral(L, "");
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, safe);
  lua_setfield(L, -2, "__index");
  set_string_arithmetic(L, lua_gettop(L));
  lua_setmetatable(L, -2);
  lua_pop(L, 1);
  lua_pushvalue(L, safe);
  add_library("string");
  lua_pop(L, 2);

  // package: only what Karmada's trimmed package library shows.
  lua_newtable(L);
  lua_newtable(L);
  lua_setfield(L, -2, "loaded");
  lua_newtable(L);
  lua_setfield(L, -2, "preload");
  lua_pushcfunction(L, loadlib_function);
  lua_setfield(L, -2, "loadlib");
  add_library("package");

  // kube, reachable only through require("kube").
  push_kube_library(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kKubeKey);

  // Remove the globals luaL_requiref registered in the real global table.
  lua_pushglobaltable(L);
  for (const char* name : {"_G", LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_OSLIBNAME, LUA_STRLIBNAME}) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
  }
  lua_pop(L, 1);

  // Metatable shared by all call environments.
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, base);
  lua_pushvalue(L, libs);
  lua_pushcclosure(L, environment_index, 2);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, base);
  lua_pushcclosure(L, environment_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kEnvMetaKey);
  lua_pushvalue(L, libs);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kLibrariesKey);
  lua_pushvalue(L, base);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kBaseKey);
  lua_settop(L, base - 1);
}

void push_call_environment(lua_State* L) {
  lua_createtable(L, 0, 8);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "_G");
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kEnvMetaKey);
  lua_setmetatable(L, -2);
}

}  // namespace cell0::lua
