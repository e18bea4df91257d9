#include "lua/unicode_case.h"

#include <locale.h>
#include <wctype.h>

#include <cstdint>

namespace cell0::lua {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// glibc's built-in C.UTF-8 locale carries the Unicode case tables; created once, read-only.
locale_t utf8_locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

void encode(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string map_case(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  const locale_t loc = utf8_locale();
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {  // ASCII: no locale needed
      out.push_back(
          static_cast<char>(upper ? (c >= 'a' && c <= 'z' ? c - 32 : c) : (c >= 'A' && c <= 'Z' ? c + 32 : c)));
      ++i;
      continue;
    }
    std::size_t width = 1;
    char32_t cp = decode_utf8(s, i, &width);
    if (cp != kReplacement && loc != static_cast<locale_t>(nullptr)) {
      const auto w = static_cast<wint_t>(cp);
      cp = static_cast<char32_t>(upper ? towupper_l(w, loc) : towlower_l(w, loc));
    }
    encode(out, cp);
    i += width;
  }
  return out;
}

}  // namespace

char32_t decode_utf8(std::string_view s, std::size_t i, std::size_t* width) {
  const auto c = static_cast<unsigned char>(s[i]);
  *width = 1;
  if (c < 0x80) return c;
  std::size_t len = 0;
  char32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return kReplacement;
  }
  if (i + len > s.size()) return kReplacement;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return kReplacement;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return kReplacement;
  }
  *width = len;
  return cp;
}

std::string unicode_upper(std::string_view s) { return map_case(s, true); }
std::string unicode_lower(std::string_view s) { return map_case(s, false); }

}  // namespace cell0::lua
