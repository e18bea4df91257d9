// gopher-lua's string.upper / string.lower: Go's strings.ToUpper / ToLower, which map every
// Unicode letter of UTF-8 text (and turn invalid bytes into U+FFFD), not only ASCII.
#pragma once

#include <string>
#include <string_view>

namespace cell0::lua {

// Decodes the rune at s[i] as Go does and sets *width to its byte length; an invalid or cut
// sequence decodes as U+FFFD of width 1 (a real U+FFFD in the text has width 3).
char32_t decode_utf8(std::string_view s, std::size_t i, std::size_t* width);

std::string unicode_upper(std::string_view s);
std::string unicode_lower(std::string_view s);

}  // namespace cell0::lua
