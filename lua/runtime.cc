#include "lua/runtime.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace cell0::lua {
namespace {

// Instructions between two deadline checks while the deadline has not passed yet.
constexpr int kHookInterval = 1000;

}  // namespace

void* LuaState::allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
  auto* a = static_cast<Allocator*>(ud);
  // For a new block Lua passes the object type in osize, not a size.
  const std::size_t old_size = ptr ? osize : 0;
  if (nsize == 0) {
    std::free(ptr);
    a->used -= old_size;
    return nullptr;
  }
  if (nsize > old_size && a->used - old_size + nsize > a->limit) {
    a->limit_hit = true;
    return nullptr;
  }
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  a->used = a->used - old_size + nsize;
  return p;
}

LuaState::LuaState(std::size_t memory_limit) {
  alloc_.limit = memory_limit;
  L_ = lua_newstate(&LuaState::allocate, &alloc_);
  if (L_ == nullptr) throw std::bad_alloc();
  LuaState* self = this;
  std::memcpy(lua_getextraspace(L_), &self, sizeof self);
}

LuaState::~LuaState() {
  if (L_ != nullptr) lua_close(L_);
}

LuaState& LuaState::from(lua_State* L) {
  LuaState* self = nullptr;
  std::memcpy(&self, lua_getextraspace(L), sizeof self);
  return *self;
}

LuaState* LuaState::owner(lua_State* L) {
  void* ud = nullptr;
  return lua_getallocf(L, &ud) == &LuaState::allocate ? &from(L) : nullptr;
}

void LuaState::begin_run(std::chrono::nanoseconds timeout) {
  budget_.deadline = std::chrono::steady_clock::now() + timeout;
  budget_.armed = true;
  budget_.expired = false;
  budget_.result_too_large = false;
  alloc_.limit_hit = false;
  ++run_;
  lazy_nodes_.clear();
  lua_sethook(L_, &LuaState::hook, LUA_MASKCOUNT, kHookInterval);
}

void LuaState::end_run() {
  budget_.armed = false;
  lazy_nodes_.clear();
  lua_sethook(L_, nullptr, 0, 0);
}

lua_Integer LuaState::add_lazy_node(const void* node) {
  lazy_nodes_.push_back(node);
  return static_cast<lua_Integer>((static_cast<std::uint64_t>(run_) << 32) | (lazy_nodes_.size() - 1));
}

const void* LuaState::lazy_node(lua_Integer id) const {
  const auto bits = static_cast<std::uint64_t>(id);
  const std::size_t index = bits & 0xffffffffu;
  if ((bits >> 32) != run_ || index >= lazy_nodes_.size()) return nullptr;
  return lazy_nodes_[index];
}

void LuaState::hook(lua_State* L, lua_Debug* /*ar*/) { check_budget(L); }

void check_budget(lua_State* L) {
  LuaState* owner = LuaState::owner(L);
  if (owner == nullptr) return;  // a bare lua_State has no budget
  Budget& b = owner->budget_;
  if (!b.armed) return;
  if (!b.expired && std::chrono::steady_clock::now() < b.deadline) return;
  if (!b.expired) {
    b.expired = true;
    // From now on fire on every instruction, so a pcall in the script cannot swallow the kill.
    lua_sethook(L, &LuaState::hook, LUA_MASKCOUNT, 1);
  }
  // Karmada's text, "<chunk>:<line>: context deadline exceeded": level 0 is the running Lua
  // function inside a hook, level 1 the script that called a budget-checking C function.
  luaL_where(L, 0);
  if (lua_rawlen(L, -1) == 0) {
    lua_pop(L, 1);
    luaL_where(L, 1);
  }
  lua_pushliteral(L, "context deadline exceeded");
  lua_concat(L, 2);
  lua_error(L);
}

}  // namespace cell0::lua
