// One sandboxed Lua state with the chunks it has loaded, and a pool of them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "lua/runtime.h"
#include "lua/script.h"

namespace cell0::lua {

enum class CallStatus {
  Ok,
  NotFound,     // the script defines no such global function
  NotFunction,  // the global is not a function
  Runtime,      // the script raised an error
  Conversion,   // an argument or result could not be converted
  Timeout,
  Memory,
};

struct CallOutcome {
  CallStatus status = CallStatus::Ok;
  std::string message;
};

// Pushes the arguments and returns their count. Runs in protected mode: it may throw.
using PushArgs = std::function<int(lua_State*)>;
// Reads `nresults` results starting at stack index `first`. Runs in protected mode: it may throw.
using ReadResults = std::function<void(lua_State*, int first)>;

class Vm {
 public:
  // cache_chunks = false loads the script text on every call, as Karmada does (for benchmarks).
  explicit Vm(std::size_t memory_limit, bool cache_chunks = true);

  // Runs the script's chunk in a fresh environment, then calls its global `function`.
  CallOutcome call(const Script& script, const char* function, int nresults, const PushArgs& push,
                   const ReadResults& read, std::chrono::nanoseconds timeout);

  // True when the state hit a budget (time, memory, result size) and should not be reused.
  bool spoiled() const { return spoiled_; }
  // True once after a call freed a large part of the memory limit (the pool trims the heap).
  bool take_trim_request() { return std::exchange(trim_wanted_, false); }

 private:
  LuaState state_;
  bool cache_chunks_;
  bool spoiled_ = false;
  bool trim_wanted_ = false;
  std::size_t cached_chunks_ = 0;
};

struct PoolStats {
  std::size_t size = 0;
  std::size_t in_use = 0;
  std::uint64_t replaced = 0;
};

// A fixed-capacity pool; acquire() blocks while every state is in use.
class VmPool {
 public:
  VmPool(std::size_t capacity, std::size_t memory_limit, bool cache_chunks = true);

  class Lease {
   public:
    Lease(VmPool& pool, std::unique_ptr<Vm> vm) : pool_(&pool), vm_(std::move(vm)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (vm_) pool_->release(std::move(vm_));
    }
    Vm& operator*() { return *vm_; }
    Vm* operator->() { return vm_.get(); }

   private:
    VmPool* pool_;
    std::unique_ptr<Vm> vm_;
  };

  Lease acquire();
  PoolStats stats() const;

 private:
  void release(std::unique_ptr<Vm> vm);

  const std::size_t capacity_;
  const std::size_t memory_limit_;
  const bool cache_chunks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Vm>> idle_;
  std::size_t created_ = 0;
  std::size_t in_use_ = 0;
  std::uint64_t replaced_ = 0;
};

}  // namespace cell0::lua
