// JSON <-> Lua with Karmada's observable behaviour (reference §2.3, §2.5).
//
// Into Lua: objects become string-keyed tables, arrays sequences; null is nil, so a null inside
// an array is dropped and the array compacted, as gopher-json does. Karmada's Lua sees every
// number as a float64; here a number whose float64 value is integral becomes a Lua integer, so
// that it prints as "3" rather than "3.0", and any other number a Lua float of the same value.
//
// Out of Lua (gopher-json): nil -> null, an empty table -> [], a table whose keys are exactly
// 1..n -> array, string keys -> object; anything else, NaN/Inf, functions, and the same table
// reached twice are errors with gopher-json's texts. Strings are coerced to valid UTF-8 the way
// Go's encoder does it.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "lua.hpp"

namespace cell0::lua {

inline constexpr int kDefaultMaxDepth = 256;
// Bound on the JSON text a Lua value may encode to. One string can be referenced from many
// table slots, so a value that is small in Lua could otherwise expand without limit (a 1 MiB
// string in 100000 slots is 100 GB of JSON).
inline constexpr std::size_t kDefaultMaxEncodedBytes = 64u << 20;

class ConversionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Pushes `value` onto the stack. Throws ConversionError when it nests deeper than max_depth.
void push_json(lua_State* L, const nlohmann::json& value, int max_depth = kDefaultMaxDepth);

// Encodes the Lua value at `index` as gopher-json would. Throws ConversionError with the
// gopher-json message ("cannot encode sparse array", ...), or when the JSON text would be
// larger than max_bytes (counted approximately: strings, keys, quotes and separators).
nlohmann::json to_json(lua_State* L, int index, int max_depth = kDefaultMaxDepth,
                       std::size_t max_bytes = kDefaultMaxEncodedBytes);

// The bytes Go's encoding/json produces for `value`: compact, keys sorted, HTML characters
// escaped, float64 numbers in Go's format.
std::string go_json_dump(const nlohmann::json& value);

// The bytes with each byte of an invalid UTF-8 sequence replaced by U+FFFD, as Go's encoder
// writes strings.
std::string coerce_utf8(const char* s, std::size_t n);

// Integral float64 values within int64 range become JSON integers, as Kubernetes' unstructured
// decoding does; other numbers stay floats.
nlohmann::json number_from_double(double d);

}  // namespace cell0::lua
