// Number text exactly as Karmada's Go stack prints it: gopher-lua's tostring / `..` /
// string.format, and encoding/json for float64.
#pragma once

#include <cstdint>
#include <string>

namespace cell0::lua {

// Go's float64 -> int64 conversion on amd64: truncation, and NaN or out-of-range values give
// INT64_MIN (the CVTTSD2SQ "integer indefinite" value) instead of undefined behaviour.
std::int64_t go_float_to_int64(double x);

// gopher-lua `tostring(x)` and `"" .. x`: a plain integer when x equals its int64 conversion,
// otherwise Go's `%v` (shortest round-trip digits, exponent form when exp < -4 or exp >= 6).
std::string go_lua_number_string(double x);

// gopher-lua `string.format("%d", x)`: the int64 conversion above.
std::string go_lua_format_d_for_test(double x);

// gopher-lua `string.format("%s", x)`: same text as tostring.
std::string go_lua_format_s_for_test(double x);

// Go encoding/json for a float64: shortest 'f' when 1e-6 <= |x| < 1e21, else shortest 'e' with
// `e-07` cleaned to `e-7`. Throws std::domain_error("json: unsupported value: NaN") for NaN/Inf.
std::string go_json_number(double x);

}  // namespace cell0::lua
