#include "lua/json_lua.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "lua/go_format.h"
#include "lua/lazy_table.h"
#include "lua/ordered_table.h"
#include "lua/runtime.h"
#include "lua/unicode_case.h"

namespace cell0::lua {
namespace {

using nlohmann::json;

constexpr double kTwo63 = 9223372036854775808.0;

// Numbers are float64 only, as in gopher-lua.
void push_number(lua_State* L, double d) { lua_pushnumber(L, d); }

// `pristine`: stack index of the pristine metatable to give every table, or 0; `keyed`: stack
// index of the one for non-empty objects (push_object_metatable), when `pristine` is not 0.
void push_value(lua_State* L, const json& v, int depth, int max_depth, int pristine, int keyed) {
  if (depth > max_depth) {
    throw ConversionError("object is nested deeper than " + std::to_string(max_depth) + " levels");
  }
  if (!lua_checkstack(L, 4)) throw ConversionError("Lua stack overflow while converting object");
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      lua_pushnil(L);
      return;
    case json::value_t::boolean:
      lua_pushboolean(L, v.get<bool>() ? 1 : 0);
      return;
    case json::value_t::number_integer:
      push_number(L, static_cast<double>(v.get<std::int64_t>()));
      return;
    case json::value_t::number_unsigned:
      push_number(L, static_cast<double>(v.get<std::uint64_t>()));
      return;
    case json::value_t::number_float:
      push_number(L, v.get<double>());
      return;
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case json::value_t::binary:
      throw ConversionError("binary values cannot be converted to Lua");
    case json::value_t::array: {
      lua_createtable(L, static_cast<int>(v.size()), 0);
      lua_Integer i = 0;
      for (const auto& e : v) {
        if (e.is_null()) continue;  // gopher-json drops nulls and compacts the array
        push_value(L, e, depth + 1, max_depth, pristine, keyed);
        lua_rawseti(L, -2, ++i);
      }
      if (pristine != 0) {
        lua_pushvalue(L, pristine);
        lua_setmetatable(L, -2);
      }
      return;
    }
    case json::value_t::object: {
      lua_createtable(L, 0, static_cast<int>(v.size()));
      for (const auto& [k, e] : v.items()) {
        if (e.is_null()) continue;
        lua_pushlstring(L, k.data(), k.size());
        push_value(L, e, depth + 1, max_depth, pristine, keyed);
        lua_rawset(L, -3);
      }
      if (pristine != 0) {
        lua_pushvalue(L, v.empty() ? pristine : keyed);
        lua_setmetatable(L, -2);
      }
      return;
    }
  }
}

class Encoder {
 public:
  Encoder(lua_State* L, int max_depth, std::size_t max_bytes) : L_(L), max_depth_(max_depth), max_bytes_(max_bytes) {
    const LuaState* state = LuaState::owner(L);
    lazy_inputs_ = state != nullptr && state->has_lazy_nodes();
  }

  json encode(int index, int depth) {
    index = lua_absindex(L_, index);
    // Every value costs at least a separator; strings their length and quotes, other scalars
    // a few bytes. Counted before anything is copied, so an oversized result fails early.
    charge(lua_type(L_, index) == LUA_TSTRING ? lua_rawlen(L_, index) + 3 : 8);
    switch (lua_type(L_, index)) {
      case LUA_TNIL:
        return nullptr;
      case LUA_TBOOLEAN:
        return lua_toboolean(L_, index) != 0;
      case LUA_TNUMBER: {
        if (lua_isinteger(L_, index)) return static_cast<std::int64_t>(lua_tointeger(L_, index));
        const double d = lua_tonumber(L_, index);
        if (std::isnan(d)) throw ConversionError("json: unsupported value: NaN");
        if (std::isinf(d)) {
          throw ConversionError(d > 0 ? "json: unsupported value: +Inf" : "json: unsupported value: -Inf");
        }
        return number_from_double(d);
      }
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, index, &n);
        return coerce_utf8(s, n);
      }
      case LUA_TTABLE:
        return encode_table(index, depth);
      default:
        throw ConversionError(std::string("cannot encode ") + luaL_typename(L_, index) + " to JSON");
    }
  }

 private:
  json encode_table(int index, int depth) {
    if (depth > max_depth_) {
      throw ConversionError("table is nested deeper than " + std::to_string(max_depth_) + " levels");
    }
    // gopher-json remembers every table it has encoded, so a table reached twice is an error
    // even when there is no cycle.
    if (!visited_.insert(lua_topointer(L_, index)).second) {
      throw ConversionError("cannot encode recursively nested tables to JSON");
    }
    if (!lua_checkstack(L_, 4)) throw ConversionError("Lua stack overflow while encoding a table");
    // An input table the script never touched: its JSON, as the table would encode, without
    // filling it first.
    if (const json* node = lazy_inputs_ ? lazy_node(L_, index) : nullptr) return encode_node(*node, depth);
    std::size_t numbers = 0, strings = 0, others = 0;
    bool all_in_range = true;
    std::size_t total = 0;
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      ++total;
      switch (lua_type(L_, -2)) {
        case LUA_TNUMBER:
          ++numbers;
          break;
        case LUA_TSTRING:
          ++strings;
          break;
        default:
          ++others;
      }
      lua_pop(L_, 1);
    }
    if (total == 0) return json::array();
    if (others > 0 || (numbers > 0 && strings > 0)) {
      throw ConversionError("cannot encode mixed or invalid key types");
    }
    if (numbers > 0) {
      lua_pushnil(L_);
      while (lua_next(L_, index) != 0) {
        lua_pop(L_, 1);
        lua_Integer k = 0;
        if (!lua_isinteger(L_, -1)) {
          all_in_range = false;
        } else {
          k = lua_tointeger(L_, -1);
          if (k < 1 || static_cast<std::size_t>(k) > numbers) all_in_range = false;
        }
        if (!all_in_range) {
          lua_pop(L_, 1);
          break;
        }
      }
      if (!all_in_range) throw ConversionError("cannot encode sparse array");
      json arr = json::array();
      arr.get_ref<json::array_t&>().reserve(numbers);
      for (std::size_t i = 1; i <= numbers; ++i) {
        lua_rawgeti(L_, index, static_cast<lua_Integer>(i));
        arr.push_back(encode(-1, depth + 1));
        lua_pop(L_, 1);
      }
      return arr;
    }
    json obj = json::object();
    auto& members = obj.get_ref<json::object_t&>();
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      std::size_t n = 0;
      const char* k = lua_tolstring(L_, -2, &n);  // keys are strings: no conversion in place
      charge(n + 3);
      std::string key = coerce_utf8(k, n);
      members.emplace(std::move(key), encode(-1, depth + 1));  // a Lua table has no duplicate keys
      lua_pop(L_, 1);
    }
    return obj;
  }

  // What encode_table gives for the table a structured node converts to (push_json): nulls
  // dropped, numbers through float64, an empty result as []. `depth` is the table's own depth.
  json encode_node(const json& node, int depth) {
    json out = node.is_array() ? json::array() : json::object();
    if (node.is_array()) {
      auto& elements = out.get_ref<json::array_t&>();
      elements.reserve(node.size());
      for (const json& e : node) {
        if (e.is_null()) continue;
        charge(e.is_string() ? e.get_ref<const std::string&>().size() + 3 : 8);
        elements.push_back(encode_member(e, depth + 1));
      }
    } else {
      // The node's members come in key order, so each one goes at the end of the new map.
      auto& members = out.get_ref<json::object_t&>();
      for (const auto& [k, e] : node.get_ref<const json::object_t&>()) {
        if (e.is_null()) continue;
        charge(k.size() + 3);
        charge(e.is_string() ? e.get_ref<const std::string&>().size() + 3 : 8);
        members.emplace_hint(members.end(), coerce_utf8(k.data(), k.size()), encode_member(e, depth + 1));
      }
    }
    if (out.empty()) return json::array();
    return out;
  }

  json encode_member(const json& e, int depth) {
    switch (e.type()) {
      case json::value_t::boolean:
        return e.get<bool>();
      case json::value_t::number_integer:
        return number_from_double(static_cast<double>(e.get<std::int64_t>()));
      case json::value_t::number_unsigned:
        return number_from_double(static_cast<double>(e.get<std::uint64_t>()));
      case json::value_t::number_float: {
        const double d = e.get<double>();
        if (std::isnan(d)) throw ConversionError("json: unsupported value: NaN");
        if (std::isinf(d)) {
          throw ConversionError(d > 0 ? "json: unsupported value: +Inf" : "json: unsupported value: -Inf");
        }
        return number_from_double(d);
      }
      case json::value_t::string: {
        const auto& s = e.get_ref<const std::string&>();
        return coerce_utf8(s.data(), s.size());
      }
      case json::value_t::array:
      case json::value_t::object:
        if (depth > max_depth_) {
          throw ConversionError("table is nested deeper than " + std::to_string(max_depth_) + " levels");
        }
        return encode_node(e, depth);
      default:
        return nullptr;
    }
  }

  void charge(std::size_t bytes) {
    bytes_ += bytes;
    if (bytes_ > max_bytes_) {
      // Callers may wrap the error in their own; the state remembers the budget hit.
      if (LuaState* state = LuaState::owner(L_)) state->note_result_too_large();
      const bool mib = max_bytes_ % (1u << 20) == 0;
      throw ConversionError("the value is larger than " + std::to_string(mib ? max_bytes_ >> 20 : max_bytes_) +
                            (mib ? " MiB" : " bytes") + " as JSON");
    }
  }

  lua_State* L_;
  int max_depth_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  bool lazy_inputs_ = false;  // the run made lazy tables, so a table may be an unfilled shell
  std::unordered_set<const void*> visited_;
};

void dump_string(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      continue;
    }
    // U+2028 and U+2029 are escaped by Go so the output is safe inside JavaScript.
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out.push_back(static_cast<char>(c));
  }
  out.push_back('"');
}

void dump_value(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
    case json::value_t::binary:
      out += "null";
      return;
    case json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      return;
    case json::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      return;
    case json::value_t::number_float:
      out += go_json_number(v.get<double>());
      return;
    case json::value_t::string:
      dump_string(out, v.get_ref<const std::string&>());
      return;
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out.push_back(',');
        first = false;
        dump_value(out, e);
      }
      out.push_back(']');
      return;
    }
    case json::value_t::object: {
      // nlohmann's object is a std::map: keys already in byte order, as Go sorts them.
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        dump_string(out, k);
        out.push_back(':');
        dump_value(out, e);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string coerce_utf8(const char* s, std::size_t n) {
  // Nearly every string of a Kubernetes object is ASCII: no decoding for those.
  if (std::all_of(s, s + n, [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return std::string(s, n);
  std::string out;
  std::size_t i = 0;
  // Byte length of the valid UTF-8 sequence at `at`, 0 where it is invalid.
  auto valid_run = [&](std::size_t at) -> std::size_t {
    std::size_t width = 0;
    const char32_t cp = decode_utf8(std::string_view(s, n), at, &width);
    return cp == 0xFFFD && width == 1 ? 0 : width;
  };
  bool clean = true;
  for (std::size_t k = 0; k < n;) {
    const std::size_t len = valid_run(k);
    if (len == 0) {
      clean = false;
      break;
    }
    k += len;
  }
  if (clean) return std::string(s, n);
  out.reserve(n + 8);
  while (i < n) {
    const std::size_t len = valid_run(i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s + i, len);
      i += len;
    }
  }
  return out;
}

nlohmann::json number_from_double(double d) {
  if (std::isfinite(d) && d == std::trunc(d) && d >= -kTwo63 && d < kTwo63) {
    return static_cast<std::int64_t>(d);
  }
  return d;
}

void push_json(lua_State* L, const nlohmann::json& value, int max_depth) {
  const LuaState* state = LuaState::owner(L);
  if (state == nullptr || !state->ordered_tables() || !value.is_structured()) {
    push_value(L, value, 0, max_depth, 0, 0);
    return;
  }
  luaL_checkstack(L, 3, "push_json");
  push_pristine_metatable(L);
  const int pristine = lua_gettop(L);
  push_object_metatable(L);
  push_value(L, value, 0, max_depth, pristine, pristine + 1);
  lua_rotate(L, pristine, -2);  // the value below the two metatables
  lua_pop(L, 2);
}

nlohmann::json to_json(lua_State* L, int index, int max_depth, std::size_t max_bytes) {
  Encoder enc(L, max_depth, max_bytes);
  return enc.encode(index, 0);
}

std::string go_json_dump(const nlohmann::json& value) {
  std::string out;
  dump_value(out, value);
  return out;
}

}  // namespace cell0::lua
