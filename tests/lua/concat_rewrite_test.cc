#include "lua/concat_rewrite.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lua.hpp"

namespace {

using cell0::lua::rewrite_concat_for_test;

constexpr std::string_view kFn = "__cc";

std::optional<std::string> rw(std::string_view src) { return rewrite_concat_for_test(src, kFn); }

// Defines the rewrite target with native `..` semantics (folding right to left like OP_CONCAT),
// and a deterministic serializer for results.
constexpr const char* kPrelude = R"lua(
function __cc(...)
  local n = select('#', ...)
  local args = {...}
  local acc = args[n]
  for i = n - 1, 1, -1 do acc = args[i] .. acc end
  return acc
end
local function ser(v, depth)
  local t = type(v)
  if t == "string" then return string.format("%q", v)
  elseif t == "number" then return math.type(v) .. ":" .. string.format("%.17g", v)
  elseif t == "table" then
    if depth > 8 then return "{...}" end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return ser(a, 0) < ser(b, 0) end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = "[" .. ser(k, 0) .. "]=" .. ser(v[k], depth + 1) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "function" or t == "thread" or t == "userdata" then return t
  else return tostring(v) end
end
function __ser_all(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = ser((select(i, ...)), 0) end
  return table.concat(parts, ", ")
end
)lua";

struct StateCloser {
  void operator()(lua_State* l) const { lua_close(l); }
};
using StatePtr = std::unique_ptr<lua_State, StateCloser>;

StatePtr new_state() {
  StatePtr l(luaL_newstate());
  luaL_openlibs(l.get());
  if (luaL_dostring(l.get(), kPrelude) != LUA_OK) FAIL(lua_tostring(l.get(), -1));
  return l;
}

struct Outcome {
  enum Status { Ok, CompileError, RuntimeError } status;
  std::string text;  // serialized results or error message
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  static const char* names[] = {"ok", "compile error", "runtime error"};
  return os << names[o.status] << ": " << o.text;
}

std::string error_text(lua_State* l) {
  size_t n = 0;
  const char* s = luaL_tolstring(l, -1, &n);
  return std::string(s, n);
}

Outcome compile_only(lua_State* l, std::string_view src) {
  int top = lua_gettop(l);
  Outcome o{Outcome::Ok, ""};
  if (luaL_loadbuffer(l, src.data(), src.size(), "=t") != LUA_OK) o = {Outcome::CompileError, error_text(l)};
  lua_settop(l, top);
  return o;
}

Outcome run(lua_State* l, std::string_view src) {
  int top = lua_gettop(l);
  Outcome o{Outcome::Ok, ""};
  if (luaL_loadbuffer(l, src.data(), src.size(), "=t") != LUA_OK) {
    o = {Outcome::CompileError, error_text(l)};
  } else if (lua_pcall(l, 0, LUA_MULTRET, 0) != LUA_OK) {
    o = {Outcome::RuntimeError, error_text(l)};
  } else {
    int n = lua_gettop(l) - top;
    lua_getglobal(l, "__ser_all");
    lua_insert(l, top + 1);
    if (lua_pcall(l, n, 1, 0) != LUA_OK)
      o = {Outcome::RuntimeError, "serializer: " + error_text(l)};
    else
      o = {Outcome::Ok, lua_tostring(l, -1)};
  }
  lua_settop(l, top);
  return o;
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  for (;;) {
    std::size_t e = s.find('\n', b);
    if (e == std::string_view::npos) {
      out.push_back(s.substr(b));
      return out;
    }
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
}

// What must survive the rewrite on a line: everything except blanks, parentheses, commas and dots
// (the rewrite only adds `FN((`, `),(` in place of `..`, and `))`).
std::string line_signature(std::string_view line, bool drop_fn) {
  std::string s(line);
  if (drop_fn) {
    for (std::size_t p; (p = s.find(kFn)) != std::string::npos;) s.erase(p, kFn.size());
  }
  std::erase_if(
      s, [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '(' || c == ')' || c == ',' || c == '.'; });
  return s;
}

// Same number of lines and, line by line, the same tokens.
void check_lines(std::string_view src, std::string_view out) {
  REQUIRE(std::count(src.begin(), src.end(), '\n') == std::count(out.begin(), out.end(), '\n'));
  auto a = split_lines(src);
  auto b = split_lines(out);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (line_signature(a[i], false) != line_signature(b[i], true)) {
      INFO("line " << i + 1 << "\noriginal: " << a[i] << "\nrewritten: " << b[i]);
      CHECK(false);
      return;
    }
  }
}

// Runs the original and the rewrite (or the original again when the rewrite gives up) and
// compares results, error messages and error positions.
void expect_equivalent(std::string_view src, bool compare_error_text = true) {
  auto out = rw(src);
  INFO("source:\n" << src << "\nrewritten:\n" << out.value_or("<nullopt>"));
  auto l = new_state();
  Outcome a = run(l.get(), src);
  auto l2 = new_state();
  Outcome b = run(l2.get(), out.value_or(std::string(src)));
  if (a.status == Outcome::Ok) REQUIRE(out.has_value());
  if (out) check_lines(src, *out);
  if (compare_error_text || a.status == Outcome::Ok) {
    CHECK(a == b);
  } else {
    CHECK(a.status == b.status);
  }
}

}  // namespace

TEST_CASE("chains become one call each, operands parenthesised", "[concat]") {
  CHECK(rw("return a..b") == "return __cc((a),(b))");
  CHECK(rw("return a..b..c") == "return __cc((a),(b),(c))");
  CHECK(rw("return a .. b") == "return __cc((a ),( b))");
  CHECK(rw("x = a..b") == "x = __cc((a),(b))");
  CHECK(rw("x, y = a..b, c..d") == "x, y = __cc((a),(b)), __cc((c),(d))");
  CHECK(rw("local s <const> = a..b") == "local s <const> = __cc((a),(b))");
  CHECK(rw("return\"a\"..b") == "return __cc((\"a\"),(b))");
  CHECK(rw("return 1 ..2") == "return __cc((1 ),(2))");
}

TEST_CASE("chunks without concatenation come back unchanged", "[concat]") {
  CHECK(rw("") == "");
  CHECK(rw("local x = 1 + 2 -- a .. b\nreturn x") == "local x = 1 + 2 -- a .. b\nreturn x");
  CHECK(rw("return '..', [[..]], [==[ ]] .. ]==]") == "return '..', [[..]], [==[ ]] .. ]==]");
}

TEST_CASE("operand extents follow Lua 5.4 precedence", "[concat]") {
  CHECK(rw("return a+b..c") == "return __cc((a+b),(c))");
  CHECK(rw("return a..b+c..d") == "return __cc((a),(b+c),(d))");
  CHECK(rw("return a..b==c") == "return __cc((a),(b))==c");
  CHECK(rw("return a==b..c==d") == "return a==__cc((b),(c))==d");
  CHECK(rw("return a..b<c..d") == "return __cc((a),(b))<__cc((c),(d))");
  CHECK(rw("return a*b..c/d..e%f..g//h") == "return __cc((a*b),(c/d),(e%f),(g//h))");
  CHECK(rw("return a..b or c..d and e") == "return __cc((a),(b)) or __cc((c),(d)) and e");
  CHECK(rw("return a and b..c or d") == "return a and __cc((b),(c)) or d");
  // `..` binds tighter than every bitwise operator.
  CHECK(rw("return a|b..c&d..e<<f") == "return a|__cc((b),(c))&__cc((d),(e))<<f");
  CHECK(rw("return a~b..c~d") == "return a~__cc((b),(c))~d");
  CHECK(rw("return a>>b..c") == "return a>>__cc((b),(c))");
  CHECK(rw("return a..b>>c") == "return __cc((a),(b))>>c");
}

TEST_CASE("unary operators and exponentiation", "[concat]") {
  CHECK(rw("return -x..y") == "return __cc((-x),(y))");
  CHECK(rw("return #t..\"x\"") == "return __cc((#t),(\"x\"))");
  CHECK(rw("return not a..b") == "return __cc((not a),(b))");
  CHECK(rw("return ~a..b") == "return __cc((~a),(b))");
  CHECK(rw("return x..-y") == "return __cc((x),(-y))");
  CHECK(rw("return 2^x..y^2") == "return __cc((2^x),(y^2))");
  CHECK(rw("return -2^-x..y") == "return __cc((-2^-x),(y))");
  CHECK(rw("return 2^3^2 .. ''") == "return __cc((2^3^2 ),( ''))");
  CHECK(rw("return a .. - - b") == "return __cc((a ),( - - b))");
}

TEST_CASE("suffixed expressions, calls and constructors", "[concat]") {
  CHECK(rw("return a.b.c..d[e..f]") == "return __cc((a.b.c),(d[__cc((e),(f))]))");
  CHECK(rw("return obj:name()..':'..obj.x") == "return __cc((obj:name()),(':'),(obj.x))");
  CHECK(rw("print(a..f(b..c, d)..e)") == "print(__cc((a),(f(__cc((b),(c)), d)),(e)))");
  CHECK(rw("t = {x=a..b, [c..d]=e..f; g..h}") == "t = {x=__cc((a),(b)), [__cc((c),(d))]=__cc((e),(f)); __cc((g),(h))}");
  CHECK(rw("return f\"x\"..y") == "return __cc((f\"x\"),(y))");
  CHECK(rw("return f{a..b}..c") == "return __cc((f{__cc((a),(b))}),(c))");
  CHECK(rw("return (a..b)..c") == "return __cc(((__cc((a),(b)))),(c))");
  CHECK(rw("return a..(b..c)") == "return __cc((a),((__cc((b),(c)))))");
  CHECK(rw("f(a..b)") == "f(__cc((a),(b)))");
  CHECK(rw("o:m(a..b)") == "o:m(__cc((a),(b)))");
  CHECK(rw("t[a..b] = c") == "t[__cc((a),(b))] = c");
  CHECK(rw("return function() return a..b end..c") == "return __cc((function() return __cc((a),(b)) end),(c))");
}

TEST_CASE("statements of every kind are searched", "[concat]") {
  CHECK(rw("if a..b then c(d..e) elseif f..g then else h(i..j) end") ==
        "if __cc((a),(b)) then c(__cc((d),(e))) elseif __cc((f),(g)) then else h(__cc((i),(j))) end");
  CHECK(rw("while a..b do end repeat local x = y..z until a..b") ==
        "while __cc((a),(b)) do end repeat local x = __cc((y),(z)) until __cc((a),(b))");
  CHECK(rw("for i = a..b, c..d, e..f do end") == "for i = __cc((a),(b)), __cc((c),(d)), __cc((e),(f)) do end");
  CHECK(rw("for k, v in pairs(a..b) do end") == "for k, v in pairs(__cc((a),(b))) do end");
  CHECK(rw("local function f(...) return ... .. x end") == "local function f(...) return __cc((... ),( x)) end");
  CHECK(rw("function a.b:c(x, ...) return x.. ... end") == "function a.b:c(x, ...) return __cc((x),( ...)) end");
  CHECK_FALSE(rw("function a.b:c(x, ...) return x..... end").has_value());  // `x ... ..`
  CHECK(rw("::top:: goto top; do return a..b end") == "::top:: goto top; do return __cc((a),(b)) end");
  CHECK(rw("local a <close>, b = nil, c..d") == "local a <close>, b = nil, __cc((c),(d))");
}

TEST_CASE("strings, comments and numerals pass through", "[concat]") {
  CHECK(rw("return 'a..b' .. \"c..d\" -- e..f") == "return __cc(('a..b' ),( \"c..d\")) -- e..f");
  CHECK(rw("return [==[a..]]b]==]..x --[[ .. ]] ..y") == "return __cc(([==[a..]]b]==]),(x --[[ .. ]] ),(y))");
  CHECK(rw("return '\\'..' .. \"\\\"..\"") == "return __cc(('\\'..' ),( \"\\\"..\"))");
  CHECK(rw("return 1e5 .. 0x1p4 .. 0xA.8p1 .. 3. .. .5") == "return __cc((1e5 ),( 0x1p4 ),( 0xA.8p1 ),( 3. ),( .5))");
  CHECK(rw("return '\\x41\\u{48}\\z   \n  b\\065\\\nc'..x") ==
        "return __cc(('\\x41\\u{48}\\z   \n  b\\065\\\nc'),(x))");
  CHECK(rw("return 7 // 2 .. 1 << 2") == "return __cc((7 // 2 ),( 1)) << 2");
}

TEST_CASE("line breaks stay where they were", "[concat]") {
  CHECK(rw("return a\n..\nb") == "return __cc((a\n),(\nb))");
  CHECK(rw("local s = 'x' ..\n  f(\n  y) ..\n  z\n") == "local s = __cc(('x' ),(\n  f(\n  y) ),(\n  z))\n");
  CHECK(rw("return [[\nx]]..[==[\r\n]==]") == "return __cc(([[\nx]]),([==[\r\n]==]))");
  CHECK(rw("local a = 'x'\r\n  .. y\r\nreturn a..\r\nb\r\n") ==
        "local a = __cc(('x'\r\n  ),( y))\r\nreturn __cc((a),(\r\nb))\r\n");
  expect_equivalent("local a = 'x'\r\n  .. 1\r\nerror(a..\r\n'b')\r\n");
  expect_equivalent("local a = 'x'\r  .. 1\n\rerror(a..\n\r'b')\r");
}

TEST_CASE("what Lua rejects is rejected", "[concat]") {
  for (std::string_view bad : {
           "return 1..2",
           "return 0x10..''",
           "return 1e..x",
           "return 3x",
           "return 0x",
           "return 1.2.3",
           "x = = 1",
           "a..b",
           "(a) = 1",
           "f() = 1",
           "a.b",
           "return 1 x = 2",
           "return 'abc",
           "return 'a\nb'",
           "return '\\q'",
           "return '\\x4'",
           "return '\\256'",
           "return '\\u{80000000}'",
           "return [[abc",
           "--[[ unfinished",
           "return [=x",
           "local x <",
           "return a ..",
           "return .. b",
           "for i in do end",
           "for i do end",
           "function f(a,) end",
           "return ~= 1",
           "return @",
           "x = {a = }",
           "if a then",
           "goto",
           "::a:",
           "return a.. b)",
           "local function f(... , a) end",
       }) {
    INFO(bad);
    CHECK_FALSE(rw(bad).has_value());
    auto l = new_state();
    CHECK(compile_only(l.get(), bad).status == Outcome::CompileError);
  }
}

TEST_CASE("deep nesting gives up instead of overflowing the stack", "[concat]") {
  std::string deep = "return " + std::string(100000, '(') + "1" + std::string(100000, ')');
  CHECK_FALSE(rw(deep).has_value());
  std::string deep_fn;
  for (int i = 0; i < 100000; ++i) deep_fn += "do ";
  CHECK_FALSE(rw(deep_fn).has_value());
  std::string ok = "return " + std::string(150, '(') + "'a'..1" + std::string(150, ')');
  CHECK(rw(ok).has_value());
}

TEST_CASE("malformed numbers compile exactly as Lua would", "[concat]") {
  auto l = new_state();
  for (std::string_view src : {"return 1..2", "return 1 ..2", "return 1.. 2", "return 0x1..2", "return a..2",
                               "return 2..a", "return ......", "return .5 .. .5", "return 3e1..''"}) {
    INFO(src);
    auto out = rw(src);
    Outcome a = compile_only(l.get(), src);
    Outcome b = compile_only(l.get(), out.value_or(std::string(src)));
    CHECK(a == b);
    CHECK(out.has_value() == (a.status == Outcome::Ok));
  }
}

TEST_CASE("multi-value calls and varargs give one value per operand", "[concat]") {
  expect_equivalent("local function f() return 'x', 'y' end\nreturn 'a' .. f(), f() .. 'b', f()");
  expect_equivalent("local function g(...) return ... .. '|' .. select('#', ...) end\nreturn g('p', 'q')");
  expect_equivalent("local function g(...) return ... .. '|' end\nreturn g()", false);  // nil operand
  expect_equivalent("local function g(...) return ......'!' end\nreturn g('p', 'q')");
}

namespace {

const char* const kCorpus[] = {
    R"lua(
local t = {name = "n", items = {1, 2, 3}}
local out = {}
for i, v in ipairs(t.items) do
  out[#out + 1] = t.name .. i .. ":" .. v * 2 .. "/" .. v / 2 .. "|" .. 2^v .. (v % 2 == 0 and "e" or "o")
end
return table.concat(out, ","), #t.name .. "x", -t.items[1] .. -t.items[2]
)lua",
    R"lua(
local mt = {__concat = function(a, b)
  local x = type(a) == "table" and a.v or a
  local y = type(b) == "table" and b.v or b
  return setmetatable({v = "<" .. x .. "+" .. y .. ">"}, getmetatable(type(a) == "table" and a or b))
end}
local o = setmetatable({v = "o"}, mt)
return ("a" .. "b" .. o .. "c" .. "d").v, (o .. o).v, ("x" .. o).v
)lua",
    R"lua(
local r = {}
for i = 1, 10 do
  if i % 3 == 0 then goto continue end
  r[#r + 1] = i // 2 .. "," .. i << 1 .. ";" .. (i & 3) .. (i | 8) .. (i ~ 5) .. ~i .. i >> 1
  ::continue::
end
return table.concat(r, " "), 1 .. 2 == "12", "a" .. "b" < "ac", 3 .. "" + 1
)lua",
    R"lua(
local function mk(prefix)
  return function(...)
    local s = prefix
    for _, v in ipairs({...}) do s = s .. "[" .. tostring(v) .. "]" end
    return s .. select("#", ...)
  end
end
local f = mk("p" .. "q")
local obj = {n = "obj"}
function obj:describe(x) return self.n .. ":" .. x end
return f(1, "2", 3.5), obj:describe("d" .. 1), obj.describe(obj, f())
)lua",
    R"lua(
local s = [[
line ..
]] .. [==[ ]] .. ]==] .. "\65\x42\u{43}" .. '\z
        tail' -- comment .. here
--[[ long
comment .. ]] local t = {a = 1 .. 2, [3 .. 4] = 5 .. 6, 7 .. 8; "x" .. "y"}
return s, t
)lua",
    R"lua(
local i, acc = 0, ""
while i < 5 do
  i = i + 1
  repeat acc = acc .. i until #acc .. "" ~= "0"
end
local n = 0
for k = 1, 3 do n = n + #(k .. k) end
return acc, n, 1e15 .. "", 2^53 .. "", 0.1 + 0.2 .. "", math.maxinteger .. "", -0.0 .. ""
)lua",
    R"lua(
local a = "a" ..
  "b" ..
  "c"
local b = "x"
error("boom " .. a ..
  b)
)lua",
    R"lua(
local function check(v)
  if v > 2 then
    error("too big: " .. v .. " > " .. 2, 2)
  end
  return v
end
local x = check(1) .. "," ..
  check(2) .. "," ..
  check(3)
)lua",
    R"lua(
local t = setmetatable({}, {__index = function(_, k) return k .. k end})
local x = t.a .. t["b" .. "c"] .. (t.d)
do
  local y <const> = x .. "!"
  x = y
end
return x, type(x .. 1), ("%s-%s"):format("a" .. 1, 2 .. "b"), ("abc"):rep(2) .. ("z"):upper()
)lua",
    R"lua(
local parts = {}
local function add(...) for i = 1, select("#", ...) do parts[#parts + 1] = select(i, ...) end end
add "lit" add {1 .. 1} add("a" .. "b", "c" .. "d")
return #parts, parts[1] .. parts[3] .. parts[4], parts[2][1]
)lua",
};

}  // namespace

TEST_CASE("rewrite is equivalent on a corpus of scripts", "[concat]") {
  for (const char* src : kCorpus) expect_equivalent(src);

  // Errors raised by the concatenation itself: same outcome, message differs (it comes from FN).
  expect_equivalent("local x\nreturn 'a' .. x", false);
  expect_equivalent("return {} .. 'a'", false);
}

TEST_CASE("random expressions evaluate the same after the rewrite", "[concat]") {
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  static const char* atoms[] = {"1", "2", "3", "7", "'4'", "'12'", "0.5", "2.0", "x", "y", "t.a", "t[1]", "f()", "g()"};
  static const char* binops[] = {"..", "..", "..", "+",  "-",  "*",  "/",  "//", "%",   "^",
                                 "&",  "|",  "~",  "<<", ">>", "==", "~=", "<",  "and", "or"};
  static const char* unops[] = {"- ", "#", "not ", "~"};  // "- -x" must not become a comment
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    int r = pick(10);
    if (depth <= 0 || r < 3) return atoms[pick(std::size(atoms))];
    if (r < 4) return std::string(unops[pick(std::size(unops))]) + gen(depth - 1);
    if (r < 5) return "(" + gen(depth - 1) + ")";
    return gen(depth - 1) + " " + binops[pick(std::size(binops))] + " " + gen(depth - 1);
  };
  const std::string prelude =
      "local x, y, t = 5, '6', {a = 8, 9}\nlocal function f() return 1, 2 end\n"
      "local function g() return 'g' end\nreturn ";
  auto l1 = new_state();
  auto l2 = new_state();
  int ok = 0, failed = 0, mismatches = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string src = prelude + gen(5);
    auto out = rw(src);
    INFO(src);
    REQUIRE(out.has_value());
    Outcome a = run(l1.get(), src);
    Outcome b = run(l2.get(), *out);
    // Errors raised by the concatenation itself come from FN and read differently.
    bool concat_error = a.text.find("concatenate") != std::string::npos;
    bool same = concat_error ? a.status == b.status : a == b;
    if (!same) {
      ++mismatches;
      INFO(src << "\n" << *out << "\n" << a << "\n" << b);
      CHECK(same);
    }
    (a.status == Outcome::Ok ? ok : failed)++;
  }
  CHECK(mismatches == 0);
  CHECK(ok > 500);  // the generator must produce enough successful evaluations to mean something
}

// Mutated corpus scripts: the rewrite must accept exactly what Lua accepts, and when it accepts an
// invalid chunk (semantic errors such as an unknown label) Lua must still reject the rewrite with
// the same message.
TEST_CASE("mutated scripts are accepted exactly when Lua accepts them", "[concat]") {
  static const char* seeds[] = {
      "local t = {a = 1, 'x' .. 2; [3] = f(4) .. #s}\nfor i = 1, #t do t[i] = t[i] .. i // 2 end\n"
      "local function g(...) return ... .. '|', select('#', ...) end\n"
      "while x < 3 and y ~= 2 do x = x + 1 .. '' goto done end ::done::\n"
      "if a then b = -c .. d ^ 2 elseif e then repeat f() until g .. h == 'x' else o:m [[s..]] end\n"
      "return 0x1p4 .. 1e3 .. .5 .. 'a\\'b' .. 1 << 2 .. ~x, ...",
  };
  static const char* inserts[] = {".",      "..", "...",   "(",    ")",       "[",         "]",          "{",
                                  "}",      "=",  ",",     ";",    ":",       "::",        "'",          "\"",
                                  "-",      "--", "~",     "<",    ">",       "#",         "^",          "0",
                                  "1",      "x",  " end ", " do ", " local ", " return ",  " function ", " then ",
                                  " goto ", "[[", "e",     "\\",   "\n",      " <const> ", "..."};
  std::mt19937 rng(777);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  auto l = new_state();
  int accepted = 0, parsed_invalid = 0;
  std::vector<std::string> all(std::begin(seeds), std::end(seeds));
  all.insert(all.end(), std::begin(kCorpus), std::end(kCorpus));
  for (const std::string& seed : all) {
    REQUIRE(compile_only(l.get(), seed).status == Outcome::Ok);
    for (int i = 0; i < 2000; ++i) {
      std::string src = seed;
      for (int m = 0, n = 1 + static_cast<int>(pick(2)); m < n; ++m) {
        std::size_t at = pick(src.size());
        switch (pick(3)) {
          case 0:
            src.erase(at, 1 + pick(3));
            break;
          case 1:
            src.insert(at, inserts[pick(std::size(inserts))]);
            break;
          default:
            src.insert(at, src.substr(pick(src.size()), 1 + pick(4)));
            break;
        }
      }
      Outcome a = compile_only(l.get(), src);
      auto out = rw(src);
      INFO("source:\n" << src << "\nlua: " << a << "\nrewritten:\n" << out.value_or("<nullopt>"));
      if (a.status == Outcome::Ok) {
        ++accepted;
        REQUIRE(out.has_value());
        REQUIRE(compile_only(l.get(), *out) == a);
        check_lines(src, *out);
      } else if (out) {
        ++parsed_invalid;
        REQUIRE(compile_only(l.get(), *out) == a);
      }
    }
  }
  CHECK(accepted > 1000);
  CHECK(parsed_invalid > 0);  // semantic errors (labels, break, ...) go through Lua's own checks
}

namespace {

// The `luaScript:` block scalars of a customizations.yaml, as literal text (folded `>` blocks are
// kept line by line too, which is valid Lua either way).
std::vector<std::string> extract_lua_scripts(const std::string& yaml) {
  std::vector<std::string> scripts;
  std::istringstream in(yaml);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // some files use CRLF
    lines.push_back(line);
  }
  auto indent_of = [](const std::string& s) { return s.find_first_not_of(' '); };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::size_t key_indent = indent_of(line);
    if (key_indent == std::string::npos || line.compare(key_indent, 10, "luaScript:") != 0) continue;
    std::string rest = line.substr(key_indent + 10);
    rest.erase(0, rest.find_first_not_of(' '));
    if (rest.empty() || (rest[0] != '|' && rest[0] != '>')) continue;
    std::size_t block_indent = std::string::npos;
    std::string script;
    std::size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      std::size_t ind = indent_of(lines[j]);
      if (ind == std::string::npos) {  // blank line inside the block
        script += "\n";
        continue;
      }
      if (ind <= key_indent) break;
      if (block_indent == std::string::npos) block_indent = ind;
      if (ind < block_indent) break;
      script += lines[j].substr(block_indent) + "\n";
    }
    scripts.push_back(script);
    i = j - 1;
  }
  return scripts;
}

std::vector<std::string> karmada_scripts() {
  std::vector<std::string> scripts;
  std::filesystem::path root = std::filesystem::path(CELL0_SHARED_DIR) / "conformance" / "karmada-thirdparty";
  if (!std::filesystem::exists(root)) return scripts;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().filename() == "customizations.yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    for (auto& s : extract_lua_scripts(ss.str())) scripts.push_back(std::move(s));
  }
  return scripts;
}

}  // namespace

TEST_CASE("karmada third-party scripts rewrite to code that compiles", "[concat]") {
  auto scripts = karmada_scripts();
  if (scripts.empty()) {
    WARN("no karmada-thirdparty conformance scripts found");
    return;
  }
  CHECK(scripts.size() >= 21);
  auto l = new_state();
  std::size_t compiled = 0, changed = 0;
  for (const auto& src : scripts) {
    INFO("script:\n" << src);
    auto out = rw(src);
    Outcome a = compile_only(l.get(), src);
    INFO(a);
    CHECK(a.status == Outcome::Ok);
    if (a.status == Outcome::Ok) {
      ++compiled;
      REQUIRE(out.has_value());
      CHECK(compile_only(l.get(), *out) == a);
      check_lines(src, *out);
      if (*out != src) ++changed;
    }
  }
  CHECK(compiled == scripts.size());
  CHECK(changed > 0);
}

TEST_CASE("rewrite speed", "[concat]") {
  auto time_ms = [](const std::string& src) {
    double best = 1e9;
    for (int i = 0; i < 5; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto out = rw(src);
      auto t1 = std::chrono::steady_clock::now();
      REQUIRE(out.has_value());
      best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return best;
  };
  auto scripts = karmada_scripts();
  std::string largest;
  for (const auto& s : scripts) {
    if (s.size() > largest.size()) largest = s;
  }
  if (!largest.empty()) {
    double ms = time_ms(largest);
    // Speed is reported, not asserted: timed assertions belong in bench/.
    WARN("largest karmada script: " << largest.size() << " bytes in " << ms << " ms");
  }
  // ~100 KB of concat-heavy code.
  std::string big = "local M = {}\n";
  for (int i = 0; big.size() < 100 * 1024; ++i) {
    big += "function M.f" + std::to_string(i) +
           "(o, ...)\n"
           "  local s = o.a .. ':' .. (o.b or 'x') .. tostring(o[1] .. #o) -- c .. d\n"
           "  for k, v in pairs(o) do s = s .. k .. '=' .. v * 2 + 1 .. ',' end\n"
           "  return s .. [[..]] .. select('#', ...) .. (... or '') .. 1 // 2 .. -3 ^ 2\n"
           "end\n";
  }
  double ms = time_ms(big);
  WARN("synthetic script: " << big.size() << " bytes in " << ms << " ms");
  auto l = new_state();
  auto out = rw(big);
  REQUIRE(out.has_value());
  CHECK(compile_only(l.get(), *out).status == Outcome::Ok);
  check_lines(big, *out);
}
