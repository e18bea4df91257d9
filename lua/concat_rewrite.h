// Source rewrite that routes Lua's `..` operator through a runtime function.
//
// gopher-lua (what Karmada runs) converts numbers to strings like Go's %v, Lua 5.4 does not, and
// the conversion done by `..` cannot be hooked at runtime. So each script is rewritten once at load
// time: every concatenation chain becomes a call to a function that we control.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cell0::lua {

// Rewrites every concatenation chain `e1 .. e2 .. ... .. en` of a Lua 5.4 chunk into
// `FN((e1), (e2), ..., (en))` (one call per chain, operands parenthesised so a multi-value call
// yields one value, evaluation order unchanged), keeping every token on its original line so error
// line numbers stay right. Returns std::nullopt when the source cannot be parsed (the caller then
// compiles the original, whose syntax error is reported by Lua itself).
//
// `fn` is inserted verbatim; it should name a global visible to the chunk. A chunk without any
// concatenation is returned unchanged.
std::optional<std::string> rewrite_concat_for_test(std::string_view source, std::string_view fn);

struct RewriteNames {
  std::string_view concat;  // global called for `..` chains
  std::string_view list;    // global wrapping list constructors: list({...})
  std::string_view table;   // global building constructors with keys (ordered_table.h)
};

struct RewrittenChunk {
  std::string text;
  // The chunk mentions `#`, pairs, next, table or unpack, so its tables need gopher-lua's order
  // and length bookkeeping; its constructors were rewritten (ordered_table.h).
  bool ordered_tables = false;
  // It also mentions pairs or next (as a name or a string): key order is observable.
  bool key_order = false;
};

// The full load-time rewrite: `..` chains as above; integer numerals made float numerals (`3`
// becomes `3.0`: Lua 5.1 has no integer subtype); and, when the chunk needs ordered tables,
// every table constructor through `names.list` or `names.table`, so that its keys are recorded
// in source order. Every token stays on its line.
std::optional<RewrittenChunk> rewrite_chunk(std::string_view source, const RewriteNames& names);

}  // namespace cell0::lua
