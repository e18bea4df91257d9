// gopher-lua's string.upper / string.lower: Go's strings.ToUpper / ToLower, which map every
// Unicode letter of UTF-8 text (and turn invalid bytes into U+FFFD), not only ASCII.
#pragma once

#include <string>
#include <string_view>

namespace cell0::lua {

std::string unicode_upper(std::string_view s);
std::string unicode_lower(std::string_view s);

}  // namespace cell0::lua
