#include "lua/lua_pattern.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

using cell0::lua::set_pattern_functions;

void no_check(lua_State*) {}

// A plain state with the standard libraries and our functions in the global table `P`.
struct State {
  State() : L(luaL_newstate()) {
    luaL_openlibs(L);
    lua_newtable(L);
    set_pattern_functions(L, -1, no_check);
    lua_setglobal(L, "P");
  }
  ~State() { lua_close(L); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Runs a chunk; returns its first result as a string or the error message.
  std::string eval(const std::string& code) {
    if (luaL_loadbuffer(L, code.data(), code.size(), "=eval") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
      std::string error = "error: ";
      error += lua_tostring(L, -1);
      lua_pop(L, 1);
      return error;
    }
    std::size_t len = 0;
    const char* text = luaL_tolstring(L, -1, &len);
    std::string result(text, len);
    lua_pop(L, 2);
    return result;
  }

  lua_State* L;
};

// Calls lib.find/match/gmatch (never as a tail call, so argument errors name the function
// the same way for both libraries) and renders all results, or the error without its
// "file:line:" prefix. gmatch results are the iterations, up to the first nil.
constexpr const char* kDriver = R"lua(
local function render(t)
  local out = {}
  for i = 1, t.n do
    local v = t[i]
    -- positions are floats from ours (no integer subtype in gopher-lua), integers from Lua's
    if type(v) == "number" then out[#out + 1] = "i" .. string.format("%d", v)
    elseif type(v) == "string" then out[#out + 1] = string.format("%q", v)
    else out[#out + 1] = tostring(v) end
  end
  return table.concat(out, ",")
end
local function strip(msg)
  return "error: " .. (tostring(msg):gsub("^[^:]*:%d+: ", ""))
end
local function call(lib, op, n, args)
  if op == "find" then
    local r = table.pack(lib.find(table.unpack(args, 1, n)))
    return r
  elseif op == "match" then
    local r = table.pack(lib.match(table.unpack(args, 1, n)))
    return r
  else
    local it = lib.gmatch(table.unpack(args, 1, n))
    return it
  end
end
return function(lib, op, n, ...)
  local args = table.pack(...)
  local ok, r = pcall(call, lib, op, n, args)
  if not ok then return strip(r) end
  if op ~= "gmatch" then return render(r) end
  local out = {}
  for _ = 1, 2000 do
    local ok2, t = pcall(function() local t = table.pack(r()) return t end)
    if not ok2 then out[#out + 1] = strip(t) break end
    out[#out + 1] = render(t)
    if t[1] == nil then break end
  end
  return table.concat(out, " | ")
end
)lua";

struct Case {
  std::string subject;
  std::string pattern;
  std::optional<lua_Integer> init;
  std::optional<bool> plain;
};

std::string describe(const Case& c) {
  std::string text = "subject=\"" + c.subject + "\" pattern=\"" + c.pattern + "\"";
  if (c.init) text += " init=" + std::to_string(*c.init);
  if (c.plain) text += *c.plain ? " plain=true" : " plain=false";
  return text;
}

class Differ {
 public:
  Differ() {
    REQUIRE(luaL_loadstring(state_.L, kDriver) == LUA_OK);
    REQUIRE(lua_pcall(state_.L, 0, 1, 0) == LUA_OK);
    driver_ = luaL_ref(state_.L, LUA_REGISTRYINDEX);
  }

  std::string run(const char* lib, const char* op, const Case& c) {
    lua_State* L = state_.L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, driver_);
    lua_getglobal(L, lib);
    lua_pushstring(L, op);
    int n = 2;
    if (c.init) n = 3;
    if (c.plain) n = 4;
    lua_pushinteger(L, n);
    lua_pushlstring(L, c.subject.data(), c.subject.size());
    lua_pushlstring(L, c.pattern.data(), c.pattern.size());
    if (c.init) {
      lua_pushinteger(L, *c.init);
    } else {
      lua_pushnil(L);
    }
    if (c.plain) {
      lua_pushboolean(L, *c.plain ? 1 : 0);
    } else {
      lua_pushnil(L);
    }
    if (lua_pcall(L, 7, 1, 0) != LUA_OK) {
      std::string error = std::string("driver failed: ") + lua_tostring(L, -1);
      lua_pop(L, 1);
      return error;
    }
    std::string result = lua_tostring(L, -1);
    lua_pop(L, 1);
    return result;
  }

  // Compares every operation; returns the number of comparisons made.
  int compare(const Case& c) {
    int count = 0;
    for (const char* op : {"find", "match", "gmatch"}) {
      if (c.plain && std::string(op) != "find") continue;
      INFO(op << " " << describe(c));
      const std::string expected = run("string", op, c);
      const std::string actual = run("P", op, c);
      CHECK(actual == expected);
      ++count;
    }
    return count;
  }

  State& state() { return state_; }

 private:
  State state_;
  int driver_ = LUA_NOREF;
};

// splitmix64: reproducible on every standard library, unlike the std distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

 private:
  std::uint64_t state_;
};

const std::vector<Case> kHandCases = {
    {"hello world", "o", {}, {}},
    {"hello world", "o w", {}, {}},
    {"hello world", "l+", {}, {}},
    {"hello world", "(h)(e)", {}, {}},
    {"hello world", "()ll()", {}, {}},
    {"hello world", "o", 6, {}},
    {"hello world", "o", -3, {}},
    {"hello world", "o", -100, {}},
    {"hello world", "o", 0, {}},
    {"hello world", "", 12, {}},
    {"hello world", "", 13, {}},
    {"hello world", "", 100, {}},
    {"hello world", "", -1, {}},
    {"hello world", "l.", {}, true},
    {"hel.lo", "l.", 1, true},
    {"a+b", "+", {}, {}},
    {"a+b", "a+b", {}, true},
    {"a+b", "a+b", {}, false},
    {"", "", {}, {}},
    {"", "a*", {}, {}},
    {"", "^$", {}, {}},
    {"abc", "^abc$", {}, {}},
    {"abc", "^b", {}, {}},
    {"abc", "^b", 2, {}},
    {"^abc", "^a", {}, {}},
    {"a^b", "a^b", {}, {}},
    {"a$b", "a$b", {}, {}},
    {"ab$", "$", {}, {}},
    {"  trim me  ", "^%s*(.-)%s*$", {}, {}},
    {"key = value", "(%w+)%s*=%s*(%w+)", {}, {}},
    {"THE (quick) fox", "%f[%a]%a+", {}, {}},
    {"THE (quick) fox", "%f[%l]%a+", {}, {}},
    {"THE (quick) fox", "%f[^%w]", {}, {}},
    {"THE (quick) fox", "%f[%z]", {}, {}},
    {"THE (quick) fox", "%f[]", {}, {}},
    {"x = f(a(b)c) + (d", "%b()", {}, {}},
    {"x = f(a(b)c) + (d", "%b)(", {}, {}},
    {"[[x]] [y]", "%b[]", {}, {}},
    {"aaa", "%baa", {}, {}},
    {"abcabc", "(abc)%1", {}, {}},
    {"abcabd", "(ab)(c)%1%2", {}, {}},
    {"aa", "()%1", {}, {}},
    {"abba", "(a)(b)%2%1", {}, {}},
    {"a1b2c3", "%d", {}, {}},
    {"a1b2c3", "%D+", {}, {}},
    {"a1b2c3", "[%d]+", {}, {}},
    {"a1b2c3", "[^%d]+", {}, {}},
    {"a-b-c", "[a-]+", {}, {}},
    {"a-b-c", "[-a]+", {}, {}},
    {"a]b", "[]]", {}, {}},
    {"a]b", "[^]]+", {}, {}},
    {"a]b%", "[%]%%]+", {}, {}},
    {"0x1F zz", "%x+", {}, {}},
    {"\t\n x", "%s+", {}, {}},
    {"\t\n x", "%c+", {}, {}},
    {"a.b,c!", "%p", {}, {}},
    {"a.b,c!", "%P+", {}, {}},
    {"Hello World", "%u%l+", {}, {}},
    {"Hello World", "%U+", {}, {}},
    {"Hello World", "%g+", {}, {}},
    {std::string("a\0b", 3), "%z", {}, {}},
    {std::string("a\0b", 3), "%Z+", {}, {}},
    {std::string("a\0b", 3), std::string("\0", 1), {}, {}},
    {std::string("a\0b", 3), std::string("[\0]", 3), {}, {}},
    {"\xe9t\xe9 \xff", "[\x80-\xff]+", {}, {}},
    {"\xe9t\xe9 \xff", "%a+", {}, {}},
    {"aaab", "a-b", {}, {}},
    {"aaab", "a-", {}, {}},
    {"aaab", "a?a?b", {}, {}},
    {"aaab", "b?", {}, {}},
    {"abc", "a(.-)c", {}, {}},
    {"abc", "((a)(b))", {}, {}},
    {"abc", "(a)(b)(c)()", {}, {}},
    // Errors, and where they are (not) reached.
    {"abc", "%", {}, {}},
    {"abc", "a%", {}, {}},
    {"xyz", "a%", {}, {}},
    {"abc", "[a", {}, {}},
    {"abc", "[a%", {}, {}},
    {"abc", "[^", {}, {}},
    {"abc", "[", {}, {}},
    {"abc", "a[", {}, {}},
    {"abc", "(a", {}, {}},
    {"abc", "(x", {}, {}},
    {"abc", "a)", {}, {}},
    {"abc", "%1", {}, {}},
    {"abc", "(a)%2", {}, {}},
    {"abc", "(a%1)", {}, {}},
    {"abc", "%0", {}, {}},
    {"abc", "%f", {}, {}},
    {"abc", "%fa", {}, {}},
    {"abc", "%f[a", {}, {}},
    {"abc", "%b", {}, {}},
    {"abc", "%ba", {}, {}},
    {"abc", "x%b", {}, {}},
    {"abc", "(()", {}, {}},
    {"abc", "%", 2, true},
    {"abc", std::string(33, '(') + std::string(33, ')'), {}, {}},
    {"abc", std::string(32, '(') + "a" + std::string(32, ')'), {}, {}},
    {std::string(300, 'a'),
     [] {
       std::string p;
       for (int i = 0; i < 300; ++i) p += "a?";
       return p;
     }(),
     {},
     {}},
    {std::string(199, 'a'),
     [] {
       std::string p;
       for (int i = 0; i < 199; ++i) p += "a?";
       return p;
     }(),
     {},
     {}},
    {std::string(200, 'a'),
     [] {
       std::string p;
       for (int i = 0; i < 200; ++i) p += "a?";
       return p;
     }(),
     {},
     {}},
    // gmatch and empty matches.
    {"abc", "", {}, {}},
    {"abc", "x*", {}, {}},
    {"abc", ".-", {}, {}},
    {"a,b,,c", "[^,]*", {}, {}},
    {"one two  three", "%a*", {}, {}},
    {"one two three", "%a+", 5, {}},
    {"one two three", "%a+", -5, {}},
    {"one two three", "^%a+", {}, {}},
    {"one two three", "()", {}, {}},
    {"k1=v1, k2=v2", "(%w+)=(%w+)", {}, {}},
};

}  // namespace

TEST_CASE("pattern functions agree with Lua 5.4 on hand-written cases", "[pattern]") {
  Differ differ;
  int comparisons = 0;
  for (const Case& c : kHandCases) comparisons += differ.compare(c);
  CHECK(comparisons > 300);
}

TEST_CASE("pattern functions agree with Lua 5.4 on generated cases", "[pattern]") {
  Differ differ;
  Rng rng(20240611);
  const std::vector<std::string> alphabets = {"ab", "abc", "a(b)", "a b.1", "[]%-^$", "xX9 ,"};
  const std::vector<std::string> atoms = {"a",    "b",     "c",     ".",    "%a",   "%d", "%s", "%w",   "%A",   "%p",
                                          "%x",   "%%",    "%.",    "%(",   "x",    " ",  "1",  "[ab]", "[^a]", "[a-c]",
                                          "[]a]", "[%a-]", "[^%s]", "[b-]", "[%]]", "^",  "$",  "-"};
  const std::vector<std::string> specials = {"()",     "(",     ")", "%1", "%2", "%b()", "%bab", "%f[%w]",
                                             "%f[^a]", "%f[b]", "%", "[",  "%f", "%0",   "%z",   "%b"};
  const std::vector<std::string> quantifiers = {"*", "+", "-", "?"};
  const std::vector<std::optional<lua_Integer>> inits = {std::nullopt, std::nullopt, std::nullopt, 1, 0, 2, -1, -3, 4,
                                                         20,           -100};
  int cases = 0;
  int comparisons = 0;
  for (int i = 0; i < 500; ++i) {
    Case c;
    const std::string& alphabet = rng.pick(alphabets);
    const std::size_t subject_len = rng.below(14);
    for (std::size_t k = 0; k < subject_len; ++k) c.subject += alphabet[rng.below(alphabet.size())];
    if (rng.below(4) == 0) c.pattern += "^";
    const std::size_t pieces = 1 + rng.below(5);
    for (std::size_t k = 0; k < pieces; ++k) {
      const std::size_t kind = rng.below(10);
      if (kind < 2) {
        c.pattern += rng.pick(specials);
        continue;
      }
      if (kind < 4) {
        c.pattern += alphabet[rng.below(alphabet.size())];
      } else {
        c.pattern += rng.pick(atoms);
      }
      if (rng.below(2) == 0) c.pattern += rng.pick(quantifiers);
    }
    if (rng.below(6) == 0) c.pattern += "$";
    c.init = rng.pick(inits);
    if (rng.below(8) == 0) c.plain = rng.below(2) == 0;
    comparisons += differ.compare(c);
    ++cases;
  }
  CHECK(cases == 500);
  CHECK(comparisons > 1200);
}

TEST_CASE("pattern functions agree with Lua 5.4 on argument handling", "[pattern]") {
  State state;
  const std::vector<std::string> calls = {"lib.find(123456, 34)",
                                          "lib.find('abc', 'b', '2')",
                                          "lib.find('abc', 'b', 2.0)",
                                          "lib.find('abc', 'b', 1.5)",
                                          "lib.find(nil, 'a')",
                                          "lib.find('a')",
                                          "lib.find('a', {})",
                                          "lib.match('abc', '.', nil)",
                                          "lib.match(12.5, '%d+')",
                                          "lib.match('abc')",
                                          "lib.find('abc', 'b', nil, 1)",
                                          "lib.find('a.c', '.', 1, 0)",
                                          "lib.find('abc', 'b', math.maxinteger)",
                                          "lib.find('abc', 'b', math.mininteger)",
                                          "lib.gmatch(nil, 'a')",
                                          "lib.gmatch('abc', 'b', 'x')",
                                          "lib.gmatch(42, '%d')()",
                                          "lib.gmatch('abc', '.', math.maxinteger)()",
                                          "lib.gmatch('abc', '.', math.mininteger)()",
                                          "('x=1'):match('(%w+)=(%w+)')",
                                          "select('#', lib.find('abc', 'x'))",
                                          "select('#', lib.match('abc', '()'))"};
  for (const std::string& call : calls) {
    const std::string wrap =
        "local lib = %s; local r = table.pack(pcall(function() return table.pack(" + call +
        ") end)); local out = {tostring(r[1])}; if r[1] then for i = 1, r[2].n do "
        "out[#out + 1] = type(r[2][i]) out[#out + 1] = type(r[2][i]) == 'number' and "
        "string.format('%d', r[2][i]) or tostring(r[2][i]) end else out[2] = r[2] end return table.concat(out, ' ')";
    std::string native = wrap;
    native.replace(native.find("%s"), 2, "string");
    std::string ours = wrap;
    ours.replace(ours.find("%s"), 2, "P");
    INFO(call);
    CHECK(state.eval(ours) == state.eval(native));
  }
}

TEST_CASE("gmatch keeps working after the subject is collected from the caller", "[pattern]") {
  State state;
  CHECK(state.eval("local it = P.gmatch(('ab'):rep(3), 'a(b)') collectgarbage() collectgarbage() "
                   "local out = {} for x in it do out[#out + 1] = x end return table.concat(out, ',')") == "b,b,b");
  CHECK(state.eval("local out = {} for k, v in P.gmatch('a=1, b=2', '(%w+)=(%w+)') do out[#out + 1] = k .. v "
                   "end return table.concat(out, ';')") == "a1;b2");
  CHECK(state.eval("return math.type(select(3, P.find('hello', '()ll')))") == "float");
}

TEST_CASE("deep recursion is reported as a too complex pattern", "[pattern]") {
  State state;
  CHECK(state.eval("return select(2, pcall(P.find, ('a'):rep(5000), ('a?'):rep(5000)))") == "pattern too complex");
  CHECK(state.eval("return select(2, pcall(P.match, ('a'):rep(1000), ('a-'):rep(300) .. 'b'))") ==
        "pattern too complex");
  CHECK(state.eval("return select(2, pcall(P.find, 'a', ('('):rep(100)))") == "too many captures");
  CHECK(state.eval("return P.find(('a'):rep(150), ('a?'):rep(150) .. '$')") == "1.0");
}

namespace {

int g_check_calls = 0;
int g_check_limit = 0;
std::chrono::steady_clock::time_point g_deadline;

void counting_check(lua_State* L) {
  if (++g_check_calls >= g_check_limit) luaL_error(L, "script exceeded its time budget");
}

void deadline_check(lua_State* L) {
  ++g_check_calls;
  if (std::chrono::steady_clock::now() >= g_deadline) luaL_error(L, "script exceeded its time budget");
}

// A state whose `P` uses `check`.
struct BudgetState : State {
  explicit BudgetState(cell0::lua::BudgetCheck check) {
    lua_getglobal(L, "P");
    set_pattern_functions(L, -1, check);
    lua_pop(L, 1);
  }
};

}  // namespace

TEST_CASE("the budget check stops catastrophic patterns", "[pattern]") {
  SECTION("after a number of checks") {
    BudgetState state(counting_check);
    g_check_calls = 0;
    g_check_limit = 50;
    const auto start = std::chrono::steady_clock::now();
    CHECK(state.eval("local ok, err = pcall(P.find, ('a'):rep(100000), 'a*a*a*a*a*b') "
                     "return tostring(ok) .. ' ' .. err") == "false script exceeded its time budget");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));  // stopped, not left to run for minutes
    CHECK(g_check_calls == 50);
  }
  SECTION("at a deadline, for every function") {
    BudgetState state(deadline_check);
    for (const char* code :
         {"return select(2, pcall(P.find, ('a'):rep(100000), 'a*a*a*a*a*b'))",
          "return select(2, pcall(P.match, ('a'):rep(100000), '(.-)%1b'))",
          "return select(2, pcall(function() for x in P.gmatch(('a'):rep(100000), 'a*a*a*b') do end end))",
          "return select(2, pcall(P.find, ('('):rep(100000), '%b()'))"}) {
      INFO(code);
      g_check_calls = 0;
      const auto start = std::chrono::steady_clock::now();
      g_deadline = start + std::chrono::milliseconds(20);
      // A Lua caller (the for loop) adds its position, as native errors have.
      CHECK_THAT(state.eval(code), Catch::EndsWith("script exceeded its time budget"));
      CHECK(std::chrono::steady_clock::now() - start <
            std::chrono::seconds(2));  // stopped, not left to run for minutes
      CHECK(g_check_calls > 0);
    }
  }
  SECTION("ordinary matches call the check without failing") {
    BudgetState state(counting_check);
    g_check_calls = 0;
    g_check_limit = 1000000;
    CHECK(state.eval("return P.find(('a'):rep(100000), '[b]')") == "nil");
    CHECK(g_check_calls > 0);
  }
}

TEST_CASE("pattern functions speed against native Lua", "[.][pattern-bench]") {
  State state;
  const std::vector<std::string> loops = {
      "for i = 1, 200 do lib.find(text, 'needle%d') end",
      "for i = 1, 2000 do lib.find(text, 'zebra', 1, true) end",
      "for i = 1, 20 do for k, v in lib.gmatch(text, '(%w+)=(%w+)') do end end",
      "for i = 1, 20 do for w in lib.gmatch(text, '%a+') do end end",
      "for i = 1, 200 do lib.match(text, '^%s*(.-)%s*$') end",
      "for i = 1, 200 do lib.find(text, '[%.%-]x') end",
      "for i = 1, 100000 do lib.match('apps/v1', '^([^/]+)/(.+)$') end",
      "for i = 1, 100000 do lib.find('2024-06-11T10:00:00Z', '^(%d+)-(%d+)-(%d+)') end",
  };
  state.eval("text = ('  alpha=beta gamma delta, 1234 epsilon=zeta; '):rep(2000)");
  for (const std::string& loop : loops) {
    auto time = [&](const char* lib) {
      const std::string code = "local lib = " + std::string(lib) + " " + loop;
      const auto start = std::chrono::steady_clock::now();
      REQUIRE(state.eval(code) == "nil");
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    };
    const double native = time("string");
    const double ours = time("P");
    WARN(loop << ": native " << native << " ms, ours " << ours << " ms, ratio " << ours / native);
  }
}
