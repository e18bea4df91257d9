// Quantity parsing, addition, printing and approximation never crash; printing is idempotent.
// (Printing does not always keep the value: Kubernetes prints 1000E as "1", and so do we.)
#include <cstddef>
#include <cstdint>
#include <string>

#include "lua/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto half = text.find(' ');
  try {
    auto q = cell0::lua::Quantity::parse(text.substr(0, half));
    const std::string printed = q.to_string();
    (void)q.approximate_float();
    if (cell0::lua::Quantity::parse(printed).to_string() != printed) __builtin_trap();
    if (half != std::string::npos) {
      q.add(cell0::lua::Quantity::parse(text.substr(half + 1)));
      (void)q.to_string();
    }
  } catch (const cell0::lua::QuantityError&) {
  }
  return 0;
}
