#include "lua/kube_lib.h"

#include <cmath>
#include <string>

#include "lua/empty_tables.h"
#include "lua/go_format.h"
#include "lua/json_lua.h"
#include "lua/pod_requirements.h"
#include "lua/quantity.h"
#include "lua/runtime.h"

namespace cell0::lua {
namespace {

int resource_add(lua_State* L) {
  return guarded(L, [&] {
    const int n = lua_gettop(L);
    Quantity sum;
    for (int i = 1; i <= n; ++i) {
      if (lua_isnil(L, i)) continue;
      if (lua_type(L, i) != LUA_TSTRING) {
        return luaL_error(L, "bad argument #%d to resourceAdd (string expected, got %s)", i, luaL_typename(L, i));
      }
      const char* text = lua_tostring(L, i);
      try {
        sum.add(Quantity::parse(text));
      } catch (const QuantityError& e) {
        throw std::runtime_error(std::string("cannot parse '") + text + "': " + e.what());
      }
    }
    const std::string s = sum.to_string();
    lua_pushlstring(L, s.data(), s.size());
    return 1;
  });
}

int get_resource_quantity(lua_State* L) {
  return guarded(L, [&] {
    if (lua_gettop(L) != 1) return luaL_error(L, "getResourceQuantity only accepts one argument");
    if (lua_isnil(L, 1)) {
      lua_pushnumber(L, 0);
      return 1;
    }
    // Karmada's checkResourceQuantity: nil or a string, a number is refused too.
    if (lua_type(L, 1) != LUA_TSTRING) {
      return luaL_error(L, "bad argument #1 to getResourceQuantity (string expected, got %s)", luaL_typename(L, 1));
    }
    const std::string text = lua_tostring(L, 1);
    Quantity q;
    try {
      q = Quantity::parse(text);
    } catch (const QuantityError& e) {
      throw std::runtime_error("cannot parse '" + text + "': " + e.what());
    }
    const double v = q.approximate_float();
    if (v < 0) {
      throw std::runtime_error("int approximation unexpectedly returned a negative value: " + text);
    }
    if (std::isinf(v)) {
      throw std::runtime_error("int approximation unexpectedly returned an infinite value: " + text);
    }
    lua_pushnumber(L, v);
    return 1;
  });
}

// The Lua table at index 1 as the JSON of a PodTemplateSpec, as Karmada converts it.
nlohmann::json pod_template_argument(lua_State* L) {
  nlohmann::json encoded;
  try {
    encoded = to_json(L, 1);
  } catch (const ConversionError& e) {
    throw std::runtime_error(std::string("fail to convert lua value to PodTemplateSpec: ") + e.what());
  }
  return repair_empty_tables(std::move(encoded), {}, RepairTarget::Object);
}

void push_result(lua_State* L, const nlohmann::json& result) {
  if (result.is_null()) {
    lua_pushnil(L);
  } else {
    push_json(L, result);
  }
}

int l_accurate_pod_requirements(lua_State* L) {
  return guarded(L, [&] {
    if (lua_gettop(L) != 1) return luaL_error(L, "getPodRequirements only accepts one argument");
    luaL_checktype(L, 1, LUA_TTABLE);
    push_result(L, accurate_pod_requirements(pod_template_argument(L)));
    return 1;
  });
}

int l_get_pod_dependencies(lua_State* L) {
  return guarded(L, [&] {
    if (lua_gettop(L) != 2) return luaL_error(L, "getPodDependencies only accepts two argument");
    luaL_checktype(L, 1, LUA_TTABLE);
    std::string ns = "default";
    if (lua_type(L, 2) == LUA_TNUMBER) {
      ns = lua_isinteger(L, 2) ? std::to_string(lua_tointeger(L, 2)) : go_lua_number_string(lua_tonumber(L, 2));
    } else if (!lua_isnil(L, 2)) {
      ns = luaL_checkstring(L, 2);
    }
    push_result(L, pod_dependencies(pod_template_argument(L), ns));
    return 1;
  });
}

}  // namespace

void push_kube_library(lua_State* L) {
  static const luaL_Reg functions[] = {
      {"resourceAdd", resource_add},
      {"getResourceQuantity", get_resource_quantity},
      {"accuratePodRequirements", l_accurate_pod_requirements},
      {"getPodDependencies", l_get_pod_dependencies},
      {nullptr, nullptr},
  };
  luaL_newlib(L, functions);
}

}  // namespace cell0::lua
