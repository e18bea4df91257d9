#include "lua/lua_pattern.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>

namespace cell0::lua {
namespace {

constexpr int kMaxCaptures = 32;  // LUA_MAXCAPTURES
constexpr int kMaxDepth = 200;    // MAXCCALLS: nested matcher calls before "pattern too complex"
constexpr int kStepsPerCheck = 4096;
constexpr char kEsc = '%';
constexpr std::string_view kSpecials = "^$*+?.([%-";

// Capture length markers (real lengths are >= 0).
constexpr std::ptrdiff_t kOpenCapture = -1;
constexpr std::ptrdiff_t kPositionCapture = -2;

// Character classes of the "C" locale, one bit per class.
enum : std::uint16_t {
  kAlpha = 1 << 0,
  kCntrl = 1 << 1,
  kDigit = 1 << 2,
  kGraph = 1 << 3,
  kLower = 1 << 4,
  kPunct = 1 << 5,
  kSpace = 1 << 6,
  kUpper = 1 << 7,
  kXdigit = 1 << 8,
};

constexpr std::array<std::uint16_t, 256> make_ctype_table() {
  std::array<std::uint16_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    std::uint16_t bits = 0;
    const bool upper = c >= 'A' && c <= 'Z';
    const bool lower = c >= 'a' && c <= 'z';
    const bool digit = c >= '0' && c <= '9';
    const bool graph = c > 32 && c < 127;
    if (upper) bits |= kUpper | kAlpha;
    if (lower) bits |= kLower | kAlpha;
    if (digit) bits |= kDigit;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) bits |= kXdigit;
    if (graph) bits |= kGraph;
    if (graph && !upper && !lower && !digit) bits |= kPunct;
    if (c < 32 || c == 127) bits |= kCntrl;
    if (c == ' ' || (c >= '\t' && c <= '\r')) bits |= kSpace;
    table[static_cast<std::size_t>(c)] = bits;
  }
  return table;
}

constexpr std::array<std::uint16_t, 256> kCtype = make_ctype_table();

inline unsigned char uc(char c) { return static_cast<unsigned char>(c); }

// Does `c` belong to the class named by the letter after '%' (e.g. 'a', 'S')? Any other
// character after '%' stands for itself.
inline bool class_matches(unsigned char c, unsigned char letter) {
  const bool upper = (kCtype[letter] & kUpper) != 0;
  std::uint16_t bits = 0;
  switch (upper ? letter + ('a' - 'A') : letter) {
    case 'a':
      bits = kAlpha;
      break;
    case 'c':
      bits = kCntrl;
      break;
    case 'd':
      bits = kDigit;
      break;
    case 'g':
      bits = kGraph;
      break;
    case 'l':
      bits = kLower;
      break;
    case 'p':
      bits = kPunct;
      break;
    case 's':
      bits = kSpace;
      break;
    case 'u':
      bits = kUpper;
      break;
    case 'w':
      bits = kAlpha | kDigit;
      break;
    case 'x':
      bits = kXdigit;
      break;
    case 'z':
      return (c == 0) != upper;  // deprecated, still accepted by Lua 5.4
    default:
      return letter == c;
  }
  return ((kCtype[c] & bits) != 0) != upper;
}

// Backtracking matcher over one subject and one pattern. Both come from Lua strings, so
// reading the byte at the end pointer yields '\0', which the pattern rules rely on.
class Matcher {
 public:
  Matcher(lua_State* L, BudgetCheck check, const char* subject, std::size_t subject_len, const char* pattern,
          std::size_t pattern_len)
      : L_(L), check_(check), s_begin_(subject), s_end_(subject + subject_len), p_end_(pattern + pattern_len) {}

  // Prepares for a new match attempt at another subject position.
  void reset() {
    level_ = 0;
    depth_left_ = kMaxDepth;
  }

  // Matches the pattern from `p` against the subject from `s`; returns the end of the match.
  const char* match(const char* s, const char* p) {
    if (depth_left_ == 0) luaL_error(L_, "pattern too complex");
    --depth_left_;
    const char* end = match_items(s, p);
    ++depth_left_;
    return end;
  }

  // Pushes the captures of the last successful match; with no captures and a non-null
  // `s`, pushes the whole match [s, e) instead.
  int push_captures(const char* s, const char* e) {
    const int count = (level_ == 0 && s != nullptr) ? 1 : level_;
    luaL_checkstack(L_, count, "too many captures");
    for (int i = 0; i < count; ++i) {
      if (i >= level_) {
        lua_pushlstring(L_, s, static_cast<std::size_t>(e - s));
        continue;
      }
      const Capture& capture = captures_[static_cast<std::size_t>(i)];
      if (capture.len == kOpenCapture) luaL_error(L_, "unfinished capture");
      if (capture.len == kPositionCapture) {
        lua_pushnumber(L_, static_cast<lua_Number>(capture.start - s_begin_ + 1));
      } else {
        lua_pushlstring(L_, capture.start, static_cast<std::size_t>(capture.len));
      }
    }
    return count;
  }

 private:
  struct Capture {
    const char* start;
    std::ptrdiff_t len;
  };

  void tick(std::ptrdiff_t steps = 1) {
    steps_left_ -= steps;
    if (steps_left_ <= 0) [[unlikely]] {
      steps_left_ = kStepsPerCheck;
      check_(L_);
    }
  }

  // Items that go on with the rest of the pattern loop here instead of recursing, so only
  // captures and quantifiers that may backtrack count towards the depth limit.
  const char* match_items(const char* s, const char* p) {
    for (;;) {
      tick();
      if (p == p_end_) return s;
      switch (*p) {
        case '(':
          if (p[1] == ')') return open_capture(s, p + 2, kPositionCapture);
          return open_capture(s, p + 1, kOpenCapture);
        case ')':
          return close_capture(s, p + 1);
        case '$':
          if (p + 1 == p_end_) return s == s_end_ ? s : nullptr;
          break;  // an ordinary character elsewhere
        case kEsc:
          switch (p[1]) {
            case 'b':
              s = match_balance(s, p + 2);
              if (s == nullptr) return nullptr;
              p += 4;
              continue;
            case 'f': {
              p += 2;
              if (*p != '[') luaL_error(L_, "missing '[' after '%%f' in pattern");
              const char* set_end = item_end(p);
              const unsigned char before = s == s_begin_ ? 0 : uc(s[-1]);
              if (set_matches(before, p, set_end - 1) || !set_matches(uc(*s), p, set_end - 1)) {
                return nullptr;
              }
              p = set_end;
              continue;
            }
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9':
              s = back_reference(s, p[1]);
              if (s == nullptr) return nullptr;
              p += 2;
              continue;
            default:
              break;  // a class such as %a or an escaped character
          }
          break;
        default:
          break;
      }

      // A single-character item with an optional quantifier.
      const char* ep = item_end(p);
      if (!single_match(s, p, ep)) {
        if (*ep == '*' || *ep == '?' || *ep == '-') {
          p = ep + 1;
          continue;
        }
        return nullptr;
      }
      switch (*ep) {
        case '?':
          if (const char* end = match(s + 1, ep + 1)) return end;
          p = ep + 1;
          continue;
        case '+':
          return match_greedy(s + 1, p, ep);
        case '*':
          return match_greedy(s, p, ep);
        case '-':
          return match_lazy(s, p, ep);
        default:
          ++s;
          p = ep;
          continue;
      }
    }
  }

  // End of the single-character item starting at `p` (where a quantifier may follow).
  const char* item_end(const char* p) {
    const char c = *p++;
    if (c == kEsc) {
      if (p == p_end_) luaL_error(L_, "malformed pattern (ends with '%%')");
      return p + 1;
    }
    if (c == '[') {
      if (*p == '^') ++p;
      // The first member is taken literally, so "[]]" is a set containing ']'.
      do {
        if (p == p_end_) luaL_error(L_, "malformed pattern (missing ']')");
        if (*p++ == kEsc && p < p_end_) ++p;
      } while (*p != ']');
      return p + 1;
    }
    return p;
  }

  bool single_match(const char* s, const char* p, const char* ep) {
    tick();
    if (s >= s_end_) return false;
    const unsigned char c = uc(*s);
    switch (*p) {
      case '.':
        return true;
      case kEsc:
        return class_matches(c, uc(p[1]));
      case '[':
        return set_matches(c, p, ep - 1);
      default:
        return uc(*p) == c;
    }
  }

  // `p` is at the set's '[' and `close` at its final ']'.
  static bool set_matches(unsigned char c, const char* p, const char* close) {
    bool found = true;
    ++p;
    if (*p == '^') {
      found = false;
      ++p;
    }
    for (; p < close; ++p) {
      if (*p == kEsc) {
        ++p;
        if (class_matches(c, uc(*p))) return found;
      } else if (p[1] == '-' && p + 2 < close) {
        if (uc(p[0]) <= c && c <= uc(p[2])) return found;
        p += 2;
      } else if (uc(*p) == c) {
        return found;
      }
    }
    return !found;
  }

  const char* match_greedy(const char* s, const char* p, const char* ep) {
    std::ptrdiff_t count = 0;
    while (single_match(s + count, p, ep)) ++count;
    for (; count >= 0; --count) {
      if (const char* end = match(s + count, ep + 1)) return end;
    }
    return nullptr;
  }

  const char* match_lazy(const char* s, const char* p, const char* ep) {
    for (;;) {
      if (const char* end = match(s, ep + 1)) return end;
      if (!single_match(s, p, ep)) return nullptr;
      ++s;
    }
  }

  // %bxy with `p` at x.
  const char* match_balance(const char* s, const char* p) {
    if (p >= p_end_ - 1) luaL_error(L_, "malformed pattern (missing arguments to '%%b')");
    if (s >= s_end_ || *s != p[0]) return nullptr;
    const char open = p[0];
    const char close = p[1];
    int depth = 1;
    while (++s < s_end_) {
      tick();
      if (*s == close) {
        if (--depth == 0) return s + 1;
      } else if (*s == open) {
        ++depth;
      }
    }
    return nullptr;
  }

  const char* open_capture(const char* s, const char* p, std::ptrdiff_t kind) {
    if (level_ >= kMaxCaptures) luaL_error(L_, "too many captures");
    captures_[static_cast<std::size_t>(level_)] = {s, kind};
    ++level_;
    const char* end = match(s, p);
    if (end == nullptr) --level_;
    return end;
  }

  const char* close_capture(const char* s, const char* p) {
    int index = level_ - 1;
    while (index >= 0 && captures_[static_cast<std::size_t>(index)].len != kOpenCapture) --index;
    if (index < 0) luaL_error(L_, "invalid pattern capture");
    Capture& capture = captures_[static_cast<std::size_t>(index)];
    capture.len = s - capture.start;
    const char* end = match(s, p);
    if (end == nullptr) capture.len = kOpenCapture;
    return end;
  }

  // %1-%9 (and the invalid %0).
  const char* back_reference(const char* s, char digit) {
    const int index = digit - '1';
    if (index < 0 || index >= level_ || captures_[static_cast<std::size_t>(index)].len == kOpenCapture) {
      luaL_error(L_, "invalid capture index %%%d", index + 1);
    }
    const Capture& capture = captures_[static_cast<std::size_t>(index)];
    if (capture.len < 0) return nullptr;  // a position capture never matches text
    tick(capture.len / 64);
    if (s_end_ - s >= capture.len && std::memcmp(capture.start, s, static_cast<std::size_t>(capture.len)) == 0) {
      return s + capture.len;
    }
    return nullptr;
  }

  lua_State* L_;
  BudgetCheck check_;
  const char* s_begin_;
  const char* s_end_;
  const char* p_end_;
  int level_ = 0;
  int depth_left_ = kMaxDepth;
  std::ptrdiff_t steps_left_ = kStepsPerCheck;
  std::array<Capture, kMaxCaptures> captures_{};
};

static_assert(sizeof(BudgetCheck) == sizeof(void*), "a BudgetCheck must fit a light userdata");

void* to_light_userdata(BudgetCheck check) {
  void* pointer = nullptr;
  std::memcpy(&pointer, &check, sizeof pointer);
  return pointer;
}

BudgetCheck check_upvalue(lua_State* L, int index) {
  const void* pointer = lua_touserdata(L, lua_upvalueindex(index));
  BudgetCheck check = nullptr;
  std::memcpy(&check, &pointer, sizeof check);
  return check;
}

// 1-based start position from the `init` argument (negative counts from the end).
std::size_t start_position(lua_Integer init, std::size_t len) {
  if (init > 0) return static_cast<std::size_t>(init);
  if (init == 0 || init < -static_cast<lua_Integer>(len)) return 1;
  return len - static_cast<std::size_t>(-init) + 1;
}

int find_or_match(lua_State* L, bool find) {
  std::size_t subject_len = 0;
  std::size_t pattern_len = 0;
  const char* subject = luaL_checklstring(L, 1, &subject_len);
  const char* pattern = luaL_checklstring(L, 2, &pattern_len);
  const std::size_t start = start_position(luaL_optinteger(L, 3, 1), subject_len) - 1;
  if (start > subject_len) {
    luaL_pushfail(L);
    return 1;
  }

  const std::string_view pattern_view(pattern, pattern_len);
  if (find && (lua_toboolean(L, 4) || pattern_view.find_first_of(kSpecials) == std::string_view::npos)) {
    const void* found =
        pattern_len == 0 ? subject + start : memmem(subject + start, subject_len - start, pattern, pattern_len);
    if (found == nullptr) {
      luaL_pushfail(L);
      return 1;
    }
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(found) - subject);
    lua_pushnumber(L, static_cast<lua_Number>(at + 1));
    lua_pushnumber(L, static_cast<lua_Number>(at + pattern_len));
    return 2;
  }

  const bool anchored = pattern[0] == '^';
  if (anchored) {
    ++pattern;
    --pattern_len;
  }
  Matcher matcher(L, check_upvalue(L, 1), subject, subject_len, pattern, pattern_len);
  const char* subject_end = subject + subject_len;
  for (const char* s = subject + start;; ++s) {
    matcher.reset();
    if (const char* end = matcher.match(s, pattern)) {
      if (!find) return matcher.push_captures(s, end);
      lua_pushnumber(L, static_cast<lua_Number>(s - subject + 1));
      lua_pushnumber(L, static_cast<lua_Number>(end - subject));
      return matcher.push_captures(nullptr, nullptr) + 2;
    }
    if (anchored || s == subject_end) break;
  }
  luaL_pushfail(L);
  return 1;
}

int pattern_find(lua_State* L) { return find_or_match(L, true); }
int pattern_match(lua_State* L) { return find_or_match(L, false); }

// Iteration state of one gmatch call (offsets into the subject).
struct GmatchState {
  std::size_t next;
  std::size_t last_end;
  bool has_last;
};

// Upvalues: subject, pattern, GmatchState, budget check.
int gmatch_step(lua_State* L) {
  std::size_t subject_len = 0;
  std::size_t pattern_len = 0;
  const char* subject = lua_tolstring(L, lua_upvalueindex(1), &subject_len);
  const char* pattern = lua_tolstring(L, lua_upvalueindex(2), &pattern_len);
  auto* state = static_cast<GmatchState*>(lua_touserdata(L, lua_upvalueindex(3)));
  Matcher matcher(L, check_upvalue(L, 4), subject, subject_len, pattern, pattern_len);
  for (std::size_t pos = state->next; pos <= subject_len; ++pos) {
    matcher.reset();
    const char* end = matcher.match(subject + pos, pattern);
    // An empty match right where the previous match ended does not count (Lua 5.4).
    if (end != nullptr && !(state->has_last && end == subject + state->last_end)) {
      state->next = state->last_end = static_cast<std::size_t>(end - subject);
      state->has_last = true;
      return matcher.push_captures(subject + pos, end);
    }
  }
  state->next = subject_len + 1;
  return 0;
}

int pattern_gmatch(lua_State* L) {
  std::size_t subject_len = 0;
  luaL_checklstring(L, 1, &subject_len);
  luaL_checkstring(L, 2);
  std::size_t start = start_position(luaL_optinteger(L, 3, 1), subject_len) - 1;
  if (start > subject_len) start = subject_len + 1;
  lua_settop(L, 2);
  void* memory = lua_newuserdatauv(L, sizeof(GmatchState), 0);
  new (memory) GmatchState{start, 0, false};
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, gmatch_step, 4);
  return 1;
}

}  // namespace

void set_pattern_functions(lua_State* L, int table_index, BudgetCheck check) {
  table_index = lua_absindex(L, table_index);
  const struct {
    const char* name;
    lua_CFunction function;
  } functions[] = {{"find", pattern_find}, {"match", pattern_match}, {"gmatch", pattern_gmatch}};
  for (const auto& entry : functions) {
    lua_pushlightuserdata(L, to_light_userdata(check));
    lua_pushcclosure(L, entry.function, 1);
    lua_setfield(L, table_index, entry.name);
  }
}

}  // namespace cell0::lua
