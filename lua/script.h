// A user script, checked once when it is loaded and then loaded lazily into each pooled state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cell0::lua {

class Script {
 public:
  // Rewrites the chunk (rewrite_chunk in concat_rewrite.h) and compiles the result on a scratch state. On a syntax
  // error returns nullopt and sets *error to Lua's message ("<chunk_name>:<line>: ...").
  static std::shared_ptr<const Script> compile(const std::string& source, const std::string& chunk_name,
                                               std::string* error);

  std::uint64_t id() const { return id_; }
  const std::string& chunk_name() const { return chunk_name_; }
  const std::string& runnable() const { return runnable_; }  // after the load-time rewrite
  // Its tables follow gopher-lua's order and length (ordered_table.h); false when the script
  // cannot reach either, so its tables are left as Lua makes them.
  bool ordered_tables() const { return ordered_tables_; }
  // It mentions pairs or next, so the order of its tables' keys is observable and recorded.
  bool key_order() const { return key_order_; }

 private:
  Script() = default;
  std::uint64_t id_ = 0;
  std::string chunk_name_;
  std::string runnable_;
  bool ordered_tables_ = false;
  bool key_order_ = false;
};

// Name of the global the rewrite calls for `..`.
inline constexpr const char* kConcatFunction = "__cell0_concat";

}  // namespace cell0::lua
