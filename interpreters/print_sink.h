// Where the rules' `print` goes (default: nowhere), so callers need not reach into lua/.
#pragma once

#include <string_view>

namespace cell0::interp {

using PrintSink = void (*)(std::string_view line);
// Set once at start-up, before the first script runs.
void set_print_sink(PrintSink sink);

}  // namespace cell0::interp
