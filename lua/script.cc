#include "lua/script.h"

#include <atomic>

#include "lua.hpp"
#include "lua/concat_rewrite.h"
#include "lua/ordered_table.h"

namespace cell0::lua {
namespace {

std::atomic<std::uint64_t> g_next_id{1};

// Compiles on a throwaway state; nullopt on success, else Lua's message.
std::optional<std::string> syntax_error(const std::string& source, const std::string& chunk_name) {
  lua_State* L = luaL_newstate();
  if (L == nullptr) return std::string("cannot create a Lua state");
  const std::string name = "=" + chunk_name;
  std::optional<std::string> error;
  if (luaL_loadbufferx(L, source.data(), source.size(), name.c_str(), "t") != LUA_OK) {
    error = lua_tostring(L, -1);
  }
  lua_close(L);
  return error;
}

}  // namespace

std::shared_ptr<const Script> Script::compile(const std::string& source, const std::string& chunk_name,
                                              std::string* error) {
  // Errors are reported against the script as written, not the rewrite.
  if (auto e = syntax_error(source, chunk_name)) {
    if (error != nullptr) *error = *e;
    return nullptr;
  }
  std::shared_ptr<Script> script(new Script());
  script->id_ = g_next_id.fetch_add(1);
  script->chunk_name_ = chunk_name;
  script->runnable_ = source;
  const RewriteNames names{kConcatFunction, kListConstructor, kTableConstructor};
  if (auto rewritten = rewrite_chunk(source, names)) {
    if (!syntax_error(rewritten->text, chunk_name)) {
      script->runnable_ = std::move(rewritten->text);
      script->ordered_tables_ = rewritten->ordered_tables;
      script->key_order_ = rewritten->key_order;
    } else if (auto plain = rewrite_chunk(source, RewriteNames{kConcatFunction, {}, {}})) {
      // The constructor calls can exceed a function's registers where the constructors did
      // not: keep the rest of the rewrite. Tables then follow the pristine order (sorted keys).
      if (!syntax_error(plain->text, chunk_name)) {
        script->runnable_ = std::move(plain->text);
        script->ordered_tables_ = plain->ordered_tables;
        script->key_order_ = plain->key_order;
      }
    }
  }
  return script;
}

}  // namespace cell0::lua
