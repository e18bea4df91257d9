#include "interpreters/print_sink.h"

#include "lua/sandbox.h"

namespace cell0::interp {

void set_print_sink(PrintSink sink) { lua::set_print_sink(sink); }

}  // namespace cell0::interp
