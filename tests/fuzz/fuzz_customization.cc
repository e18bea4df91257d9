// Customization YAML loading: parse, validate and compile; errors are values, never crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/yaml_json.h"
#include "interpreters/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // yaml-cpp's parser recurses on nesting: configuration files are trusted input, but keep the
  // fuzzer on shapes a file could plausibly have.
  std::size_t depth = 0, deepest = 0;
  for (char c : text) {
    if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    if ((c == ']' || c == '}') && depth > 0) --depth;
  }
  if (deepest > 64) return 0;
  const auto docs = cell0::common::parse_yaml_documents(text);
  if (!docs) return 0;
  for (const auto& doc : *docs) (void)cell0::interp::parse_customization(doc, "fuzz.yaml");
  return 0;
}
