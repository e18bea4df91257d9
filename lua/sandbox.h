// The environment Karmada's customization scripts see (reference §2.1), built by allow-list.
//
// A state gets one read-only base table of allowed globals. Every call runs in a fresh
// environment table whose __index reads the base; a library table (string, table, math, os,
// package, kube) is copied into the call's environment on first use, so a script that assigns a
// global or changes a library function affects neither other customizations nor later calls.
#pragma once

#include <string_view>

#include "lua.hpp"

namespace cell0::lua {

// Karmada caps string arguments of the string library at this many bytes.
inline constexpr std::size_t kMaxStringArgument = 1'000'000;

// Installs the base table and the string metatable into a new state.
void install_sandbox(lua_State* L);

// Pushes a fresh per-call environment.
void push_call_environment(lua_State* L);

// Where `print` goes (default: nowhere). Set once at start-up.
using PrintSink = void (*)(std::string_view line);
void set_print_sink(PrintSink sink);

}  // namespace cell0::lua
