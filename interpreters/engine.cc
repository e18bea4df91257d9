#include "interpreters/engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "interpreters/registry.h"
#include "interpreters/results.h"
#include "lua/empty_tables.h"
#include "lua/json_lua.h"
#include "lua/lazy_table.h"
#include "lua/vm.h"

namespace cell0::interp {
namespace {

using common::Error;
using common::ErrorKind;
using common::Result;

using nlohmann::json;

// gopher-lua's numbering of value types, which Karmada prints in some errors.
int gopher_type(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TNIL:
      return 0;
    case LUA_TBOOLEAN:
      return 1;
    case LUA_TNUMBER:
      return 2;
    case LUA_TSTRING:
      return 3;
    case LUA_TFUNCTION:
      return 4;
    case LUA_TUSERDATA:
    case LUA_TLIGHTUSERDATA:
      return 5;
    case LUA_TTHREAD:
      return 6;
    default:
      return 7;
  }
}

class ResultError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

json encode_result(lua_State* L, int index) {
  try {
    return lua::to_json(L, index);
  } catch (const lua::ConversionError& e) {
    throw ResultError(std::string("encode lua result to json failed: ") + e.what());
  }
}

// A table result, or Karmada's error for anything else.
json table_result(lua_State* L, int index, const char* what) {
  if (lua_type(L, index) != LUA_TTABLE) {
    throw ResultError(std::string("expect the returned ") + what + " type is table but got " + luaL_typename(L, index));
  }
  return encode_result(L, index);
}

// Go's int32(float64) on amd64: truncation; NaN and out-of-range values give INT32_MIN.
std::int32_t go_int32(double d) {
  if (!(d > -2147483649.0 && d < 2147483648.0)) return INT32_MIN;
  return static_cast<std::int32_t>(d);
}

// An input object: filled in on first use, or converted whole.
void push_input(lua_State* L, const json& value, bool lazy) {
  if (lazy) {
    lua::push_lazy_json(L, value);
  } else {
    lua::push_json(L, value);
  }
}

// Pushes AggregatedStatusItems as they look after a round trip through their Go type: unknown
// keys dropped, empty optional fields omitted, a missing list as nil. Only `status` can be large
// enough to be worth a lazy table.
void push_status_items(lua_State* L, const json& items, bool lazy) {
  if (!items.is_array()) {
    lua_pushnil(L);
    return;
  }
  lua_createtable(L, static_cast<int>(items.size()), 0);
  lua_Integer n = 0;
  for (const auto& item : items) {
    if (!item.is_object()) continue;
    lua_createtable(L, 0, 5);
    auto cn = item.find("clusterName");
    if (cn != item.end() && cn->is_string()) {
      lua::push_json(L, *cn);
    } else {
      lua_pushliteral(L, "");
    }
    lua_setfield(L, -2, "clusterName");
    if (auto st = item.find("status"); st != item.end() && !st->is_null()) {
      push_input(L, *st, lazy);
      lua_setfield(L, -2, "status");
    }
    if (auto ap = item.find("applied"); ap != item.end() && ap->is_boolean() && ap->get<bool>()) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "applied");
    }
    for (const char* key : {"appliedMessage", "health"}) {
      auto it = item.find(key);
      if (it != item.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
        lua::push_json(L, *it);
        lua_setfield(L, -2, key);
      }
    }
    lua_rawseti(L, -2, ++n);
  }
}

Error call_error(lua::CallStatus status, const std::string& where, const std::string& message) {
  ErrorKind kind = ErrorKind::Runtime;
  switch (status) {
    case lua::CallStatus::Timeout:
      kind = ErrorKind::Timeout;
      break;
    case lua::CallStatus::Memory:
      kind = ErrorKind::Memory;
      break;
    case lua::CallStatus::Conversion:
      kind = ErrorKind::Conversion;
      break;
    default:
      break;
  }
  return Error{kind, where + ": " + message};
}

}  // namespace

struct Engine::Impl {
  explicit Impl(EngineOptions o)
      : options(o),
        pool(o.pool_size != 0 ? o.pool_size : std::max(16u, 4 * std::thread::hardware_concurrency()), o.memory_limit,
             o.cache_scripts) {}

  EngineOptions options;
  lua::VmPool pool;
  mutable std::mutex registry_mu;
  std::shared_ptr<const Registry> registry;

  std::atomic<std::uint64_t> runs{0}, timeouts{0}, memory_errors{0}, runtime_errors{0};

  std::shared_ptr<const Registry> snapshot() const {
    std::lock_guard lock(registry_mu);
    return registry;
  }

  // Runs one rule; `read` converts the results (and may throw ResultError).
  Result<bool> run(const Customization& c, Operation op, int nresults, const lua::PushArgs& push,
                   const lua::ReadResults& read) {
    const lua::Script* script = c.rule(op);
    auto lease = pool.acquire();
    runs.fetch_add(1, std::memory_order_relaxed);
    std::string result_error;
    const lua::ReadResults guarded_read = [&](lua_State* L, int first) {
      try {
        read(L, first);
      } catch (const std::exception& e) {  // ResultError, TypedResultError, QuantityError
        result_error = e.what();
      }
    };
    auto outcome = lease->call(*script, lua_function(op).data(), nresults, push, guarded_read, options.deadline);
    auto where = [&] { return c.file + ": customization " + c.name + " (" + std::string(rule_name(op)) + ")"; };
    if (outcome.status != lua::CallStatus::Ok) {
      if (outcome.status == lua::CallStatus::Timeout)
        timeouts.fetch_add(1, std::memory_order_relaxed);
      else if (outcome.status == lua::CallStatus::Memory)
        memory_errors.fetch_add(1, std::memory_order_relaxed);
      else
        runtime_errors.fetch_add(1, std::memory_order_relaxed);
      std::string message = outcome.message;
      if (op == Operation::InterpretComponent) message = "failed to run 'GetComponents' script: " + message;
      return call_error(outcome.status, where(), message);
    }
    if (!result_error.empty()) {
      runtime_errors.fetch_add(1, std::memory_order_relaxed);
      return Error{ErrorKind::Runtime, where() + ": " + result_error};
    }
    return true;
  }
};

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(options)) {}
Engine::~Engine() = default;

void Engine::set_registry(std::shared_ptr<const Registry> registry) {
  std::lock_guard lock(impl_->registry_mu);
  impl_->registry = std::move(registry);
}

std::shared_ptr<const Registry> Engine::registry() const { return impl_->snapshot(); }

bool Engine::has_hook_for_test(const std::string& api_version, const std::string& kind, Operation op) const {
  auto reg = impl_->snapshot();
  if (!reg) return false;
  const auto* list = reg->find(api_version, kind);
  if (list == nullptr) return false;
  return std::any_of(list->begin(), list->end(), [&](const auto& c) { return c->rule(op) != nullptr; });
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.lua_runs = impl_->runs.load();
  s.timeouts = impl_->timeouts.load();
  s.memory_errors = impl_->memory_errors.load();
  s.runtime_errors = impl_->runtime_errors.load();
  const auto p = impl_->pool.stats();
  s.states_replaced = p.replaced;
  s.pool_in_use = p.in_use;
  s.pool_size = p.size;
  return s;
}

Result<InterpretResult> Engine::interpret(const InterpretRequest& req) const {
  const json& subject = req.object.is_object() ? req.object : req.observed;
  if (!subject.is_object()) return Error{ErrorKind::BadRequest, "request carries no object"};
  if (req.operation == Operation::Retain && !req.observed.is_object()) {
    return Error{ErrorKind::BadRequest, "Retain needs both the desired and the observed object"};
  }
  const std::string api_version = subject.value("apiVersion", "");
  const std::string kind = subject.value("kind", "");
  const Operation op = req.operation;
  auto reg = impl_->snapshot();
  const auto* list = reg ? reg->find(api_version, kind) : nullptr;
  std::vector<const Customization*> chosen;
  if (list != nullptr) {
    for (const auto& c : *list) {
      if (c->rule(op) == nullptr) continue;
      chosen.push_back(c.get());
      if (op != Operation::InterpretDependency) break;  // first by name wins; dependencies merge
    }
  }
  if (chosen.empty()) {
    return Error{ErrorKind::NoHook, "no customization handles " + std::string(operation_name(op)) + " for " +
                                        api_version + ", Kind=" + kind};
  }

  InterpretResult out;
  const json& obj = req.object.is_object() ? req.object : req.observed;
  const bool lazy = impl_->options.lazy_inputs;
  auto push_obj = [&](lua_State* L) {
    push_input(L, obj, lazy);
    return 1;
  };
  auto object_result = [&](lua_State* L, int first, std::vector<const json*> refs) {
    json j = lua::repair_empty_tables(table_result(L, first, "requires"), refs, lua::RepairTarget::Object);
    check_object_kind(j);
    out.object = std::move(j);
  };

  Result<bool> ran = true;
  switch (op) {
    case Operation::InterpretReplica:
      ran = impl_->run(*chosen[0], op, 2, push_obj, [&](lua_State* L, int first) {
        if (lua_type(L, first) != LUA_TNUMBER) {
          throw ResultError("result type " + std::to_string(gopher_type(L, first)) + " is not number");
        }
        out.replicas = lua_isinteger(L, first) ? go_int32(static_cast<double>(lua_tointeger(L, first)))
                                               : go_int32(lua_tonumber(L, first));
        if (lua_isnil(L, first + 1)) return;
        json req_json = lua::repair_empty_tables(table_result(L, first + 1, "requires"), {}, lua::RepairTarget::Object);
        out.requirements = typed_replica_requirements(req_json);
      });
      break;
    case Operation::InterpretComponent:
      ran = impl_->run(*chosen[0], op, 1, push_obj, [&](lua_State* L, int first) {
        if (lua_isnil(L, first)) return;
        if (lua_type(L, first) != LUA_TTABLE) {
          throw ResultError(std::string("expected result type 'table' or 'nil' from GetComponents, but got '") +
                            luaL_typename(L, first) + "'");
        }
        json list_json = lua::repair_empty_tables(encode_result(L, first), {}, lua::RepairTarget::List);
        out.components = typed_components(list_json);
      });
      break;
    case Operation::ReviseReplica:
      ran = impl_->run(
          *chosen[0], op, 1,
          [&](lua_State* L) {
            push_input(L, obj, lazy);
            lua_pushinteger(L, static_cast<lua_Integer>(req.replicas));
            return 2;
          },
          [&](lua_State* L, int first) { object_result(L, first, {&obj}); });
      break;
    case Operation::Retain:
      ran = impl_->run(
          *chosen[0], op, 1,
          [&](lua_State* L) {
            push_input(L, req.object, lazy);
            push_input(L, req.observed, lazy);
            return 2;
          },
          [&](lua_State* L, int first) {
            object_result(L, first, {&req.object, &req.observed});
          });
      break;
    case Operation::AggregateStatus: {
      ran = impl_->run(
          *chosen[0], op, 1,
          [&](lua_State* L) {
            push_input(L, obj, lazy);
            push_status_items(L, req.status_items, lazy);
            return 2;
          },
          [&](lua_State* L, int first) { object_result(L, first, {}); });
      break;
    }
    case Operation::InterpretStatus:
      ran = impl_->run(*chosen[0], op, 1, push_obj, [&](lua_State* L, int first) {
        json status = lua::repair_empty_tables(table_result(L, first, "replica"), {}, lua::RepairTarget::Object);
        out.raw_status = lua::go_json_dump(status);
      });
      break;
    case Operation::InterpretHealth:
      ran = impl_->run(*chosen[0], op, 1, push_obj, [&](lua_State* L, int first) {
        if (lua_type(L, first) != LUA_TBOOLEAN) {
          throw ResultError("result type " + std::to_string(gopher_type(L, first)) + " is not bool");
        }
        out.healthy = lua_toboolean(L, first) != 0;
      });
      break;
    case Operation::InterpretDependency: {
      json all = json::array();
      for (const Customization* c : chosen) {
        ran = impl_->run(*c, op, 1, push_obj, [&](lua_State* L, int first) {
          json deps = lua::repair_empty_tables(table_result(L, first, "requires"), {}, lua::RepairTarget::List);
          for (auto& d : typed_dependencies(deps)) all.push_back(std::move(d));
        });
        if (!ran) break;
      }
      if (ran) out.dependencies = sort_dependencies(std::move(all));
      break;
    }
  }
  if (!ran) return ran.error();
  return out;
}

}  // namespace cell0::interp
