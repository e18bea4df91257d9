#include "lua/vm.h"

#include <malloc.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "lua/json_lua.h"
#include "lua/sandbox.h"

namespace cell0::lua {
namespace {

char kChunksKey;

// Loaded chunks kept per state before the cache is dropped and rebuilt (scripts of old
// customization sets must not pile up across reloads).
constexpr std::size_t kMaxCachedChunks = 512;
// Heap growth of one call above which the call's garbage is collected when it returns.
constexpr std::size_t kCollectAfterGrowth = 256u << 10;

// Stack slots a call starts with (1.9 KiB): a typical rule's frames and the C functions it calls.
constexpr int kStackBeforeCall = 120;

struct CallContext {
  const Script* script;
  const char* function;
  int nresults;
  const PushArgs* push;
  const ReadResults* read;
  std::size_t* cached_chunks;
  bool cache_chunks;
  CallStatus failure = CallStatus::Runtime;
};

// Compiles the script's text and pushes the chunk.
void load_chunk(lua_State* L, const Script& script) {
  const std::string& src = script.runnable();
  const std::string name = "=" + script.chunk_name();
  if (luaL_loadbufferx(L, src.data(), src.size(), name.c_str(), "t") != LUA_OK) lua_error(L);
}

// Pushes the compiled chunk for the script, loading it on first use in this state.
void push_chunk(lua_State* L, CallContext& ctx) {
  if (!ctx.cache_chunks) {
    load_chunk(L, *ctx.script);
    return;
  }
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &kChunksKey) != LUA_TTABLE || *ctx.cached_chunks >= kMaxCachedChunks) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kChunksKey);
    *ctx.cached_chunks = 0;
  }
  const auto key = static_cast<lua_Integer>(ctx.script->id());
  if (lua_rawgeti(L, -1, key) == LUA_TFUNCTION) {
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 1);
  load_chunk(L, *ctx.script);
  lua_pushvalue(L, -1);
  lua_rawseti(L, -3, key);
  ++*ctx.cached_chunks;
  lua_remove(L, -2);
}

template <typename F>
void run_converting(lua_State* L, CallContext& ctx, F&& f) {
  std::string message;
  try {
    f();
    return;
  } catch (const std::exception& e) {
    message = e.what();
  }
  ctx.failure = CallStatus::Conversion;
  luaL_error(L, "%s", message.c_str());
}

int protected_call(lua_State* L) {
  auto& ctx = *static_cast<CallContext*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  push_chunk(L, ctx);
  push_call_environment(L);
  lua_pushvalue(L, -1);
  if (lua_setupvalue(L, 1, 1) == nullptr) lua_pop(L, 1);  // the chunk's _ENV
  lua_insert(L, 1);                                       // env at 1, chunk at 2
  lua_call(L, 0, 0);
  if (lua_getfield(L, 1, ctx.function) != LUA_TFUNCTION) {
    if (lua_isnil(L, -1)) {
      ctx.failure = CallStatus::NotFound;
      return luaL_error(L, "not found function %s", ctx.function);
    }
    ctx.failure = CallStatus::NotFunction;
    return luaL_error(L, "%s is not a function: %s", ctx.function, luaL_typename(L, -1));
  }
  int nargs = 0;
  run_converting(L, ctx, [&] { nargs = (*ctx.push)(L); });
  lua_call(L, nargs, ctx.nresults);
  const int first = lua_gettop(L) - ctx.nresults + 1;
  run_converting(L, ctx, [&] { (*ctx.read)(L, first); });
  return 0;
}

// Longest error message passed on; a script can raise an error of any size (error(s) with a
// 4 MiB s), which would otherwise travel whole into the response and the log line.
constexpr std::size_t kMaxErrorText = 4096;

std::string error_text(lua_State* L) {
  if (lua_type(L, -1) != LUA_TSTRING) return std::string("(error object is a ") + luaL_typename(L, -1) + " value)";
  // Valid UTF-8 as Go writes it: the message goes into a JSON answer and a JSON log line.
  std::size_t n = 0;
  const char* s = lua_tolstring(L, -1, &n);
  if (n <= kMaxErrorText) return coerce_utf8(s, n);
  std::size_t cut = kMaxErrorText;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return coerce_utf8(s, cut) + "... (error message of " + std::to_string(n) + " bytes truncated)";
}

}  // namespace

Vm::Vm(std::size_t memory_limit, bool cache_chunks) : state_(memory_limit), cache_chunks_(cache_chunks) {
  lua_State* L = state_.get();
  // Building the sandbox is the only unprotected work; run it protected all the same.
  lua_pushcfunction(L, [](lua_State* s) {
    install_sandbox(s);
    return 0;
  });
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    throw std::runtime_error(std::string("cannot build the Lua sandbox: ") + lua_tostring(L, -1));
  }
}

CallOutcome Vm::call(const Script& script, const char* function, int nresults, const PushArgs& push,
                     const ReadResults& read, std::chrono::nanoseconds timeout) {
  lua_State* L = state_.get();
  const std::size_t used_before = state_.memory_used();
  CallContext ctx{&script, function, nresults, &push, &read, &cached_chunks_, cache_chunks_};
  state_.set_ordered_tables(script.ordered_tables());
  state_.set_key_order(script.key_order());
  lua_settop(L, 0);
  // Room for the script's frames and the C functions it reaches (each wants LUA_MINSTACK free
  // slots), made before the call: grown in the middle of it, the stack was reallocated and
  // copied on most calls, since the collector shrinks it back between them.
  lua_checkstack(L, kStackBeforeCall);
  lua_pushcfunction(L, protected_call);
  lua_pushlightuserdata(L, &ctx);
  int status = LUA_OK;
  {
    BudgetScope budget(state_, timeout);
    status = lua_pcall(L, 1, 0, 0);
  }
  CallOutcome out;
  // A memory error a script caught with pcall still counts: it is reported even when the
  // script then ran out of time.
  if (state_.memory_exhausted() || status == LUA_ERRMEM) {
    out.status = CallStatus::Memory;
    out.message = "script exceeded its memory limit of " + std::to_string(state_.memory_limit() >> 20) + " MiB";
    spoiled_ = true;
  } else if (state_.timed_out()) {
    out.status = CallStatus::Timeout;
    out.message = status == LUA_OK ? "context deadline exceeded" : error_text(L);
    spoiled_ = true;
  } else if (status != LUA_OK) {
    out.status = ctx.failure;
    out.message = error_text(L);
    // An oversized result is a budget hit too: the state goes, and with it (release below) the
    // memory the attempt took.
    if (state_.result_too_large()) spoiled_ = true;
  }
  // Garbage of a run that used much of the budget (a failed bomb, a huge error message) would
  // stay in this state until its GC next runs; collect it now and let release() trim.
  if (!spoiled_ && state_.memory_used() > state_.memory_limit() / 4) {
    const std::size_t before = state_.memory_used();
    lua_gc(L, LUA_GCCOLLECT);
    if (before - state_.memory_used() > state_.memory_limit() / 8) trim_wanted_ = true;
  } else if (!spoiled_ && state_.memory_used() > used_before + kCollectAfterGrowth) {
    // A call that left much garbage (AggregateStatus over 1000 items: ~1 MiB) is collected at
    // once, while its memory is still in cache, and the next call reuses the same blocks. Left
    // to the incremental collector, the sweep of one call's garbage ran during the next calls
    // over memory that had left the cache, and the cost per item grew with the item count.
    lua_gc(L, LUA_GCCOLLECT);
  }
  lua_settop(L, 0);
  return out;
}

VmPool::VmPool(std::size_t capacity, std::size_t memory_limit, bool cache_chunks)
    : capacity_(std::max<std::size_t>(capacity, 1)), memory_limit_(memory_limit), cache_chunks_(cache_chunks) {}

VmPool::Lease VmPool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || created_ < capacity_; });
  ++in_use_;
  if (!idle_.empty()) {
    auto vm = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(vm));
  }
  ++created_;
  lock.unlock();
  try {
    return Lease(*this, std::make_unique<Vm>(memory_limit_, cache_chunks_));
  } catch (...) {
    lock.lock();
    --created_;
    --in_use_;
    cv_.notify_one();
    throw;
  }
}

void VmPool::release(std::unique_ptr<Vm> vm) {
  std::unique_ptr<Vm> dropped;
  const bool trim = vm->take_trim_request();
  {
    std::lock_guard lock(mu_);
    --in_use_;
    if (vm->spoiled()) {
      // A state that hit a budget is closed; the next acquire builds a fresh one.
      dropped = std::move(vm);
      --created_;
      ++replaced_;
    } else {
      idle_.push_back(std::move(vm));
    }
  }
  cv_.notify_one();
  if (dropped || trim) {
    // A state that hit a budget may have held up to its memory limit (or a result of up to the
    // JSON cap); hand the freed pages back, or the allocator keeps them in its arenas for good.
    dropped.reset();
    ::malloc_trim(0);
  }
}

PoolStats VmPool::stats() const {
  std::lock_guard lock(mu_);
  return {created_, in_use_, replaced_};
}

}  // namespace cell0::lua
