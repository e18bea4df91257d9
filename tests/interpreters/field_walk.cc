#include "field_walk.h"

#include <map>
#include <memory>
#include <stdexcept>

#include "lua.hpp"

namespace cell0::test {

namespace {

// Wraps tables in recording proxies; paths are segments joined by "\1", "[]" for array indices.
const char* kHarness = R"lua(
local log, real, rawnext = {}, setmetatable({}, {__mode = "k"}), next
local SEP = "\1"
local function child(path, k)
  if math.type(k) == "integer" then
    return path .. SEP .. "[]"
  end
  return path .. SEP .. tostring(k)
end
local wrap
local function recordWrite(path, v)
  log[#log + 1] = "w" .. path
  local r = real[v]
  if r ~= nil then
    v = r.t
  end
  if type(v) == "table" then
    for k, x in rawnext, v do
      recordWrite(child(path, k), x)
    end
  end
end
wrap = function(t, path)
  if type(t) ~= "table" or real[t] ~= nil then
    return t
  end
  local p = {}
  real[p] = {t = t, path = path}
  return setmetatable(p, {
    __index = function(_, k)
      local cp = child(path, k)
      log[#log + 1] = "r" .. cp
      return wrap(t[k], cp)
    end,
    __newindex = function(_, k, v)
      recordWrite(child(path, k), v)
      local r = real[v]
      t[k] = r ~= nil and r.t or v
    end,
    __len = function() return #t end,
    __pairs = function()
      return function(_, k)
        local nk, v = rawnext(t, k)
        if nk == nil then
          return nil
        end
        local cp = child(path, nk)
        log[#log + 1] = "r" .. cp
        return nk, wrap(v, cp)
      end, p, nil
    end,
  })
end
next = function(tbl, k)
  local r = real[tbl]
  if r == nil then
    return rawnext(tbl, k)
  end
  local nk, v = rawnext(r.t, k)
  if nk == nil then
    return nil
  end
  local cp = child(r.path, nk)
  log[#log + 1] = "r" .. cp
  return nk, wrap(v, cp)
end
package.preload["kube"] = function()
  return {
    accuratePodRequirements = function() return {} end,
    getPodDependencies = function() return nil end,
    resourceAdd = function() return "1" end,
    getResourceQuantity = function() return 1 end,
  }
end
-- Calls fn with arguments shaped as Karmada passes them; objects are fresh copies of the sample.
return function(fn, o1, o2, o3, o4)
  local f = _G[fn]
  if type(f) ~= "function" then
    error("the script defines no function " .. fn)
  end
  local result
  local obj = wrap(o1, "")
  if fn == "AggregateStatus" then
    local items = {
      {clusterName = "a", applied = true, health = "Healthy", status = wrap(o3.status, SEP .. "status")},
      {clusterName = "b", applied = true, health = "Unhealthy", status = wrap(o4.status, SEP .. "status")},
      {clusterName = "c", applied = true},
    }
    result = f(obj, items)
  elseif fn == "ReviseReplica" then
    result = f(obj, 3)
  elseif fn == "Retain" then
    result = f(obj, wrap(o2, ""))
  else
    result = f(obj)
  end
  if fn == "AggregateStatus" or fn == "ReviseReplica" or fn == "Retain" then
    if real[result] == nil then
      recordWrite("", result)
    end
  elseif fn == "ReflectStatus" then
    recordWrite(SEP .. "status", result)
  end
  return log
end
)lua";

void push_json(lua_State* L, const nlohmann::json& v) {
  if (v.is_object()) {
    lua_createtable(L, 0, static_cast<int>(v.size()));
    for (const auto& [k, x] : v.items()) {
      push_json(L, x);
      lua_setfield(L, -2, k.c_str());
    }
  } else if (v.is_array()) {
    lua_createtable(L, static_cast<int>(v.size()), 0);
    lua_Integer i = 1;
    for (const auto& x : v) {
      push_json(L, x);
      lua_seti(L, -2, i++);
    }
  } else if (v.is_string()) {
    lua_pushstring(L, v.get_ref<const std::string&>().c_str());
  } else if (v.is_boolean()) {
    lua_pushboolean(L, v.get<bool>() ? 1 : 0);
  } else if (v.is_number_integer() || v.is_number_unsigned()) {
    lua_pushinteger(L, v.get<lua_Integer>());
  } else if (v.is_number()) {
    lua_pushnumber(L, v.get<double>());
  } else {
    lua_pushnil(L);
  }
}

std::string top_error(lua_State* L) {
  const char* m = lua_tostring(L, -1);
  return m != nullptr ? m : "(error object is not a string)";
}

}  // namespace

std::string rule_function(const std::string& rule) {
  static const std::map<std::string, std::string> functions = {
      {"retention", "Retain"},
      {"replicaResource", "GetReplicas"},
      {"componentResource", "GetComponents"},
      {"replicaRevision", "ReviseReplica"},
      {"statusReflection", "ReflectStatus"},
      {"statusAggregation", "AggregateStatus"},
      {"healthInterpretation", "InterpretHealth"},
      {"dependencyInterpretation", "GetDependencies"},
  };
  auto it = functions.find(rule);
  return it == functions.end() ? "" : it->second;
}

std::vector<FieldAccess> walk_fields(const std::string& script, const std::string& function,
                                     const nlohmann::json& sample) {
  std::unique_ptr<lua_State, decltype(&lua_close)> state(luaL_newstate(), &lua_close);
  lua_State* L = state.get();
  luaL_openlibs(L);
  if (luaL_loadbuffer(L, kHarness, std::char_traits<char>::length(kHarness), "=harness") != LUA_OK ||
      lua_pcall(L, 0, 1, 0) != LUA_OK) {
    throw std::runtime_error("harness: " + top_error(L));
  }
  if (luaL_loadbuffer(L, script.data(), script.size(), "=script") != LUA_OK || lua_pcall(L, 0, 0, 0) != LUA_OK) {
    throw std::runtime_error(top_error(L));
  }
  lua_pushstring(L, function.c_str());
  for (int i = 0; i < 4; ++i) push_json(L, sample);
  if (lua_pcall(L, 5, 1, 0) != LUA_OK) throw std::runtime_error(function + ": " + top_error(L));

  std::vector<FieldAccess> out;
  const lua_Integer n = luaL_len(L, -1);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_geti(L, -1, i);
    std::string entry = lua_tostring(L, -1);
    lua_pop(L, 1);
    FieldAccess a{entry[0] == 'w', {}, function};
    std::size_t start = 2;  // after the mark and the leading separator
    while (start <= entry.size()) {
      auto end = entry.find('\1', start);
      if (end == std::string::npos) end = entry.size();
      a.segments.push_back(entry.substr(start, end - start));
      start = end + 1;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace cell0::test
