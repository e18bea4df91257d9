// Nesting depth of a JSON text, measured before parsing: nlohmann::json parses iteratively, but
// copying, comparing, diffing and dumping a value recurse, so a 200,000-deep array in a request
// would overflow the stack long after the parser accepted it.
#pragma once

#include <cstddef>
#include <string_view>

namespace cell0::common {

// The deepest nesting of [ and { outside strings; stops counting once `limit` is exceeded.
std::size_t json_nesting_depth(std::string_view text, std::size_t limit);

}  // namespace cell0::common
