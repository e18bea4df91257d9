// RAII Lua 5.4 state with a capped allocator and a wall-clock budget.
//
// The budget is enforced by an instruction-count hook. Once the deadline has passed the hook
// re-arms itself to fire on every instruction, so a script's own pcall cannot swallow the kill:
// the first instruction after the pcall raises again. C functions that loop for long (pattern
// matching) call check_budget() themselves.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lua.hpp"

namespace cell0::lua {

struct Budget {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool armed = false;
  bool expired = false;
  bool result_too_large = false;
};

class LuaState {
 public:
  explicit LuaState(std::size_t memory_limit);
  ~LuaState();
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;

  lua_State* get() const { return L_; }

  // Starts a budgeted run; end_run() must follow (BudgetScope does both).
  void begin_run(std::chrono::nanoseconds timeout);
  void end_run();

  bool timed_out() const { return budget_.expired; }
  bool memory_exhausted() const { return alloc_.limit_hit; }
  // A value of this run was too large to encode (json_lua.h); reset by begin_run.
  bool result_too_large() const { return budget_.result_too_large; }
  void note_result_too_large() { budget_.result_too_large = true; }
  std::size_t memory_used() const { return alloc_.used; }
  // Whether the running script's tables follow gopher-lua's order (Script::ordered_tables):
  // converters then mark the tables they make (ordered_table.h).
  bool ordered_tables() const { return ordered_tables_; }
  void set_ordered_tables(bool on) { ordered_tables_ = on; }
  // Whether it can also observe key order (Script::key_order): only then is every key's first
  // insertion recorded.
  bool key_order() const { return key_order_; }
  void set_key_order(bool on) { key_order_ = on; }
  std::size_t memory_limit() const { return alloc_.limit; }

  // JSON nodes behind this run's lazy tables (lazy_table.h). An id carries the run it belongs
  // to, so a table kept past its run (no script can keep one, but a bug could) finds nothing
  // instead of reading freed memory.
  lua_Integer add_lazy_node(const void* node);
  const void* lazy_node(lua_Integer id) const;
  bool has_lazy_nodes() const { return !lazy_nodes_.empty(); }

  // The LuaState that owns a lua_State (kept in the state's extra space).
  static LuaState& from(lua_State* L);
  // The same, or nullptr for a lua_State that no LuaState made.
  static LuaState* owner(lua_State* L);

 private:
  struct Allocator {
    std::size_t used = 0;
    std::size_t limit = 0;
    bool limit_hit = false;
  };
  static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize);
  static void hook(lua_State* L, lua_Debug* ar);
  friend void check_budget(lua_State* L);

  Allocator alloc_;
  Budget budget_;
  bool ordered_tables_ = false;
  bool key_order_ = false;
  std::uint32_t run_ = 0;
  std::vector<const void*> lazy_nodes_;
  lua_State* L_ = nullptr;
};

// Raises "context deadline exceeded" (Karmada's text) when the running call is past its deadline.
void check_budget(lua_State* L);

class BudgetScope {
 public:
  BudgetScope(LuaState& state, std::chrono::nanoseconds timeout) : state_(state) { state_.begin_run(timeout); }
  ~BudgetScope() { state_.end_run(); }
  BudgetScope(const BudgetScope&) = delete;
  BudgetScope& operator=(const BudgetScope&) = delete;

 private:
  LuaState& state_;
};

// Runs f(), turning any C++ exception into a Lua error, for use inside lua_CFunctions. The budget
// is checked first: the instruction hook counts only Lua instructions, so a loop around a costly C
// function (kube.resourceAdd on 100,000-digit quantities, ~1 ms a call) would otherwise run about
// a hundred calls between two checks.
template <typename F>
int guarded(lua_State* L, F&& f) {
  check_budget(L);
  std::string message;
  try {
    return f();
  } catch (const std::exception& e) {
    message = e.what();
  }
  return luaL_error(L, "%s", message.c_str());
}

}  // namespace cell0::lua
