#include "lua/go_format.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace cell0::lua {
namespace {

constexpr std::int64_t kMinInt64 = std::numeric_limits<std::int64_t>::min();

std::string to_chars_string(double x, std::chars_format fmt) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, fmt);
  if (ec != std::errc{}) throw std::logic_error("to_chars failed");
  return std::string(buf, end);
}

// Go's strconv.FormatFloat(x, 'g', -1, 64) naming of the special values.
std::string go_special(double x) {
  if (std::isnan(x)) return "NaN";
  return x > 0 ? "+Inf" : "-Inf";
}

// Go `%v` for a finite float64: %g with shortest digits, where the exponent threshold for
// shortest precision is 6 (strconv's `eprec = 6`).
std::string go_format_v(double x) {
  std::string sci = to_chars_string(x, std::chars_format::scientific);
  const std::size_t e_pos = sci.find('e');
  const int exp = std::stoi(sci.substr(e_pos + 1));
  if (exp < -4 || exp >= 6) return sci;  // to_chars already uses Go's two-digit exponent

  std::string out;
  std::string digits;
  for (std::size_t i = 0; i < e_pos; ++i) {
    const char c = sci[i];
    if (c == '-') {
      out += '-';
    } else if (c != '.') {
      digits += c;
    }
  }
  const int nd = static_cast<int>(digits.size());
  if (exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
  } else if (nd <= exp + 1) {
    out += digits;
    out.append(static_cast<std::size_t>(exp + 1 - nd), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(exp + 1));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(exp + 1));
  }
  return out;
}

}  // namespace

std::int64_t go_float_to_int64(double x) {
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return kMinInt64;
  return static_cast<std::int64_t>(x);
}

std::string go_lua_number_string(double x) {
  const std::int64_t i = go_float_to_int64(x);
  if (static_cast<double>(i) == x) return std::to_string(i);
  if (!std::isfinite(x)) return go_special(x);
  return go_format_v(x);
}

std::string go_lua_format_d_for_test(double x) { return std::to_string(go_float_to_int64(x)); }

std::string go_lua_format_s_for_test(double x) { return go_lua_number_string(x); }

std::string go_json_number(double x) {
  if (!std::isfinite(x)) throw std::domain_error("json: unsupported value: " + go_special(x));
  const double abs = std::fabs(x);
  if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
    std::string s = to_chars_string(x, std::chars_format::scientific);
    const std::size_t n = s.size();
    // encoding/json turns e-07 into e-7 (but leaves e+21 alone).
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
    return s;
  }
  return to_chars_string(x, std::chars_format::fixed);
}

}  // namespace cell0::lua
