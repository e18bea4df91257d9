// Lua 5.4 lexer + recursive-descent parser whose only output is a list of text edits around
// concatenation chains. The grammar and the lexical rules follow Lua 5.4's llex.c / lparser.c
// closely: anything Lua rejects must be rejected here too, otherwise a rewrite could turn an
// invalid chunk into a valid one (e.g. the malformed number `1..2` must not become `1 .. 2`).
#include "lua/concat_rewrite.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace cell0::lua {
namespace {

enum class Tok : std::uint8_t {
  Eof,
  Name,
  Number,
  String,
  // keywords
  And,
  Break,
  Do,
  Else,
  Elseif,
  End,
  False,
  For,
  Function,
  Goto,
  If,
  In,
  Local,
  Nil,
  Not,
  Or,
  Repeat,
  Return,
  Then,
  True,
  Until,
  While,
  // symbols
  Plus,
  Minus,
  Star,
  Slash,
  DSlash,
  Percent,
  Caret,
  Hash,
  Amp,
  Tilde,
  Pipe,
  Shl,
  Shr,
  Eq,
  Ne,
  Le,
  Ge,
  Lt,
  Gt,
  Assign,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  DColon,
  Semi,
  Colon,
  Comma,
  Dot,
  Concat,
  Dots,
};

struct Token {
  Tok kind;
  std::size_t begin;  // byte offsets into the source, [begin, end)
  std::size_t end;
};

struct SyntaxError {};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_xdigit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_newline(char c) { return c == '\n' || c == '\r'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

Tok keyword(std::string_view w) {
  struct Entry {
    std::string_view word;
    Tok tok;
  };
  static constexpr Entry kKeywords[] = {
      {"and", Tok::And},           {"break", Tok::Break},   {"do", Tok::Do},       {"else", Tok::Else},
      {"elseif", Tok::Elseif},     {"end", Tok::End},       {"false", Tok::False}, {"for", Tok::For},
      {"function", Tok::Function}, {"goto", Tok::Goto},     {"if", Tok::If},       {"in", Tok::In},
      {"local", Tok::Local},       {"nil", Tok::Nil},       {"not", Tok::Not},     {"or", Tok::Or},
      {"repeat", Tok::Repeat},     {"return", Tok::Return}, {"then", Tok::Then},   {"true", Tok::True},
      {"until", Tok::Until},       {"while", Tok::While},
  };
  if (w.size() < 2 || w.size() > 8) return Tok::Name;
  for (const auto& e : kKeywords) {
    if (e.word == w) return e.tok;
  }
  return Tok::Name;
}

// Whether `s` is a numeral Lua accepts (l_str2int / l_str2d via strtod, C locale). `s` is what
// llex's read_numeral collected, so it only holds hex digits, '.', exponent signs and maybe one
// trailing letter.
bool valid_numeral(std::string_view s) {
  std::size_t i = 0;
  bool hex = s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) i = 2;
  auto is_mant_digit = [hex](char c) { return hex ? is_xdigit(c) : is_digit(c); };
  std::size_t digits = 0;
  while (i < s.size() && is_mant_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_mant_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : s_(src) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    out.reserve(s_.size() / 4 + 16);
    for (;;) {
      Token t = next();
      out.push_back(t);
      if (t.kind == Tok::Eof) return out;
    }
  }

 private:
  char at(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  bool eof() const { return p_ >= s_.size(); }

  // Skips "\n", "\r", "\n\r" or "\r\n" (one line break, as llex's inclinenumber).
  void skip_newline() {
    char c = s_[p_++];
    if (!eof() && is_newline(s_[p_]) && s_[p_] != c) ++p_;
  }

  // At '[': returns the level+2 of a long bracket `[==[`, 1 for a lone '[', 0 for `[=` without
  // the second bracket (llex's skip_sep). Advances past '[' and the '='s.
  std::size_t skip_sep(char bracket) {
    ++p_;
    std::size_t count = 0;
    while (at(p_) == '=') ++p_, ++count;
    if (at(p_) == bracket) return count + 2;
    return count == 0 ? 1 : 0;
  }

  // After the opening `[==`, current char is the second '['.
  void read_long(std::size_t sep) {
    ++p_;
    if (!eof() && is_newline(s_[p_])) skip_newline();
    for (;;) {
      if (eof()) throw SyntaxError{};
      char c = s_[p_];
      if (c == ']') {
        std::size_t save = p_;
        if (skip_sep(']') == sep) {
          ++p_;
          return;
        }
        p_ = save + 1;
      } else {
        ++p_;
      }
    }
  }

  void read_string(char delim) {
    ++p_;
    for (;;) {
      if (eof()) throw SyntaxError{};
      char c = s_[p_];
      if (c == delim) {
        ++p_;
        return;
      }
      if (is_newline(c)) throw SyntaxError{};
      if (c != '\\') {
        ++p_;
        continue;
      }
      ++p_;
      if (eof()) throw SyntaxError{};
      c = s_[p_];
      switch (c) {
        case 'a':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
        case 'v':
        case '\\':
        case '"':
        case '\'':
          ++p_;
          break;
        case '\n':
        case '\r':
          skip_newline();
          break;
        case 'x':
          five_two_escapes_.push_back(p_ - 1);
          if (!is_xdigit(at(p_ + 1)) || !is_xdigit(at(p_ + 2))) throw SyntaxError{};
          p_ += 3;
          break;
        case 'z':
          five_two_escapes_.push_back(p_ - 1);
          ++p_;
          while (!eof() && is_space(s_[p_])) {
            if (is_newline(s_[p_]))
              skip_newline();
            else
              ++p_;
          }
          break;
        case 'u': {
          five_two_escapes_.push_back(p_ - 1);
          ++p_;
          if (at(p_) != '{') throw SyntaxError{};
          ++p_;
          if (!is_xdigit(at(p_))) throw SyntaxError{};
          std::uint64_t r = 0;
          while (is_xdigit(at(p_))) {
            char h = s_[p_];
            unsigned v = is_digit(h) ? unsigned(h - '0') : unsigned((h | 0x20) - 'a' + 10);
            r = (r << 4) + v;
            if (r > 0x7FFFFFFFu) throw SyntaxError{};
            ++p_;
          }
          if (at(p_) != '}') throw SyntaxError{};
          ++p_;
          break;
        }
        default: {
          if (!is_digit(c)) throw SyntaxError{};
          unsigned v = 0;
          for (int i = 0; i < 3 && is_digit(at(p_)); ++i) v = v * 10 + unsigned(s_[p_++] - '0');
          if (v > 255) throw SyntaxError{};
          break;
        }
      }
    }
  }

  void read_numeral() {
    std::size_t start = p_;
    char first = s_[p_++];
    bool hex = false;
    if (first == '0' && (at(p_) == 'x' || at(p_) == 'X')) {
      ++p_;
      hex = true;
    }
    for (;;) {
      char c = at(p_);
      if (hex ? (c == 'p' || c == 'P') : (c == 'e' || c == 'E')) {
        ++p_;
        if (at(p_) == '+' || at(p_) == '-') ++p_;
      } else if (is_xdigit(c) || c == '.') {
        ++p_;
      } else {
        break;
      }
    }
    if (is_alpha(at(p_))) ++p_;  // a numeral touching a letter is malformed
    if (!valid_numeral(s_.substr(start, p_ - start))) throw SyntaxError{};
  }

  Token next() {
    for (;;) {
      if (eof()) return {Tok::Eof, s_.size(), s_.size()};
      std::size_t b = p_;
      char c = s_[p_];
      auto one = [&](Tok k) {
        ++p_;
        return Token{k, b, p_};
      };
      auto two = [&](char second, Tok k2, Tok k1) {
        ++p_;
        if (at(p_) == second) {
          ++p_;
          return Token{k2, b, p_};
        }
        return Token{k1, b, p_};
      };
      switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case '\f':
        case '\v':
          ++p_;
          continue;
        case '-':
          if (at(p_ + 1) != '-') return one(Tok::Minus);
          p_ += 2;
          if (at(p_) == '[') {
            std::size_t sep = skip_sep('[');
            if (sep >= 2) {
              read_long(sep);
              continue;
            }
          }
          while (!eof() && !is_newline(s_[p_])) ++p_;
          continue;
        case '[': {
          std::size_t sep = skip_sep('[');
          if (sep >= 2) {
            read_long(sep);
            return {Tok::String, b, p_};
          }
          if (sep == 0) throw SyntaxError{};  // `[=` without the second bracket
          return {Tok::LBracket, b, p_};
        }
        case '=':
          return two('=', Tok::Eq, Tok::Assign);
        case '<':
          ++p_;
          if (at(p_) == '<') return ++p_, Token{Tok::Shl, b, p_};
          if (at(p_) == '=') return ++p_, Token{Tok::Le, b, p_};
          return {Tok::Lt, b, p_};
        case '>':
          ++p_;
          if (at(p_) == '>') return ++p_, Token{Tok::Shr, b, p_};
          if (at(p_) == '=') return ++p_, Token{Tok::Ge, b, p_};
          return {Tok::Gt, b, p_};
        case '/':
          return two('/', Tok::DSlash, Tok::Slash);
        case '~':
          return two('=', Tok::Ne, Tok::Tilde);
        case ':':
          return two(':', Tok::DColon, Tok::Colon);
        case '"':
        case '\'':
          read_string(c);
          return {Tok::String, b, p_};
        case '.':
          if (at(p_ + 1) == '.') {
            if (at(p_ + 2) == '.') return p_ += 3, Token{Tok::Dots, b, p_};
            return p_ += 2, Token{Tok::Concat, b, p_};
          }
          if (!is_digit(at(p_ + 1))) return one(Tok::Dot);
          read_numeral();
          return {Tok::Number, b, p_};
        case '+':
          return one(Tok::Plus);
        case '*':
          return one(Tok::Star);
        case '%':
          return one(Tok::Percent);
        case '^':
          return one(Tok::Caret);
        case '#':
          return one(Tok::Hash);
        case '&':
          return one(Tok::Amp);
        case '|':
          return one(Tok::Pipe);
        case '(':
          return one(Tok::LParen);
        case ')':
          return one(Tok::RParen);
        case '{':
          return one(Tok::LBrace);
        case '}':
          return one(Tok::RBrace);
        case ']':
          return one(Tok::RBracket);
        case ';':
          return one(Tok::Semi);
        case ',':
          return one(Tok::Comma);
        default:
          if (is_digit(c)) {
            read_numeral();
            return {Tok::Number, b, p_};
          }
          if (is_alpha(c)) {
            while (!eof() && is_alnum(s_[p_])) ++p_;
            return {keyword(s_.substr(b, p_ - b)), b, p_};
          }
          throw SyntaxError{};  // Lua would return a one-char token no rule accepts
      }
    }
  }

  std::string_view s_;
  std::size_t p_ = 0;

 public:
  // Backslashes of escapes Lua 5.1 does not have (\x, \z, \u): there the escape is the letter.
  std::vector<std::size_t> five_two_escapes_;
};

// One piece of text to splice into the source: `text` replaces the `erase` bytes at `pos`.
struct Edit {
  // Order of edits at one position: a number's suffix, closings, a separator, openings.
  enum Kind : std::uint8_t { Suffix = 0, Close = 1, Separator = 2, Open = 3 };
  std::size_t pos;
  Kind kind;
  std::uint32_t seq;  // recording order, to nest edits that share a position
  std::size_t erase = 0;
  std::string text;
};

struct Priority {
  int left;
  int right;
};

// Lua 5.4 binary operator priorities (lparser.c); left 0 means "not a binary operator".
Priority binary_priority(Tok t) {
  switch (t) {
    case Tok::Or:
      return {1, 1};
    case Tok::And:
      return {2, 2};
    case Tok::Eq:
    case Tok::Ne:
    case Tok::Lt:
    case Tok::Le:
    case Tok::Gt:
    case Tok::Ge:
      return {3, 3};
    case Tok::Pipe:
      return {4, 4};
    case Tok::Tilde:
      return {5, 5};
    case Tok::Amp:
      return {6, 6};
    case Tok::Shl:
    case Tok::Shr:
      return {7, 7};
    case Tok::Concat:
      return {9, 8};
    case Tok::Plus:
    case Tok::Minus:
      return {10, 10};
    case Tok::Star:
    case Tok::Slash:
    case Tok::DSlash:
    case Tok::Percent:
      return {11, 11};
    case Tok::Caret:
      return {14, 13};
    default:
      return {0, 0};
  }
}
constexpr int kUnaryPriority = 12;
constexpr int kConcatLeftPriority = 9;
// Lua itself stops at 200 nested C levels; this only protects our own stack.
constexpr int kMaxDepth = 1000;

// What the parser rewrites besides nothing: empty strings turn a rewrite off.
struct Targets {
  std::string_view concat;  // function for `..` chains
  std::string_view list;    // function for list constructors
  std::string_view table;   // function for constructors with keys
  // Constructors with named fields but no `[k] =` go through `list` too: for a chunk that cannot
  // observe key order, their keys need no recording, only the length rules of a pristine table.
  bool named_as_list = false;
  bool float_literals = false;
};

// Pair fields per call of the keyed-constructor function: a call needs two registers a pair
// and a function has 255, some of them already taken by the code around the constructor.
constexpr std::size_t kFieldsPerCall = 24;

class Parser {
 public:
  Parser(std::string_view src, const std::vector<Token>& toks, const Targets& targets)
      : s_(src), t_(toks), targets_(targets) {}

  std::vector<Edit> run() {
    block();
    expect(Tok::Eof);
    return std::move(edits_);
  }

 private:
  enum class ExpKind : std::uint8_t { Var, Call, Other };

  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) {
      if (++d_ > kMaxDepth) throw SyntaxError{};
    }
    ~DepthGuard() { --d_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    int& d_;
  };

  Tok cur() const { return t_[p_].kind; }
  Tok peek() const { return p_ + 1 < t_.size() ? t_[p_ + 1].kind : Tok::Eof; }
  void advance() {
    if (t_[p_].kind != Tok::Eof) ++p_;
  }
  bool accept(Tok k) {
    if (cur() != k) return false;
    advance();
    return true;
  }
  void expect(Tok k) {
    if (!accept(k)) throw SyntaxError{};
  }
  std::size_t prev_end() const { return t_[p_ - 1].end; }

  void add_edit(std::size_t pos, Edit::Kind kind, std::string text, std::size_t erase = 0) {
    edits_.push_back({pos, kind, seq_++, erase, std::move(text)});
  }

  bool block_follow(bool with_until) const {
    switch (cur()) {
      case Tok::Else:
      case Tok::Elseif:
      case Tok::End:
      case Tok::Eof:
        return true;
      case Tok::Until:
        return with_until;
      default:
        return false;
    }
  }

  void block() {
    while (!block_follow(true)) {
      if (cur() == Tok::Return) {
        advance();
        if (!block_follow(true) && cur() != Tok::Semi) explist();
        accept(Tok::Semi);
        return;
      }
      statement();
    }
  }

  void statement() {
    DepthGuard guard(depth_);
    switch (cur()) {
      case Tok::Semi:
        advance();
        return;
      case Tok::If:
        advance();
        expr();
        expect(Tok::Then);
        block();
        while (cur() == Tok::Elseif) {
          advance();
          expr();
          expect(Tok::Then);
          block();
        }
        if (accept(Tok::Else)) block();
        expect(Tok::End);
        return;
      case Tok::While:
        advance();
        expr();
        expect(Tok::Do);
        block();
        expect(Tok::End);
        return;
      case Tok::Do:
        advance();
        block();
        expect(Tok::End);
        return;
      case Tok::For: {
        advance();
        const std::size_t var = p_;
        expect(Tok::Name);
        if (accept(Tok::Assign)) {
          const std::optional<std::size_t> start = literal_suffix([this] { expr(); });
          expect(Tok::Comma);
          expr();
          std::optional<std::size_t> step;
          bool literal_step = true;
          if (accept(Tok::Comma)) {
            step = literal_suffix([this] { expr(); });
            literal_step = step.has_value();
          }
          expect(Tok::Do);
          const std::size_t body = p_;
          block();
          if (start && literal_step && only_indexes(var, body, p_)) {
            edits_[*start].text.clear();
            if (step) edits_[*step].text.clear();
          }
          expect(Tok::End);
          return;
        }
        if (cur() == Tok::Comma || cur() == Tok::In) {
          while (accept(Tok::Comma)) expect(Tok::Name);
          expect(Tok::In);
          explist();
        } else {
          throw SyntaxError{};
        }
        expect(Tok::Do);
        block();
        expect(Tok::End);
        return;
      }
      case Tok::Repeat:
        advance();
        block();
        expect(Tok::Until);
        expr();
        return;
      case Tok::Function:
        advance();
        expect(Tok::Name);
        while (accept(Tok::Dot)) expect(Tok::Name);
        if (accept(Tok::Colon)) expect(Tok::Name);
        body();
        return;
      case Tok::Local:
        advance();
        if (accept(Tok::Function)) {
          expect(Tok::Name);
          body();
          return;
        }
        do {
          expect(Tok::Name);
          if (accept(Tok::Lt)) {
            expect(Tok::Name);  // const / close; Lua itself reports unknown attributes
            expect(Tok::Gt);
          }
        } while (accept(Tok::Comma));
        if (accept(Tok::Assign)) explist();
        return;
      case Tok::DColon:
        advance();
        expect(Tok::Name);
        expect(Tok::DColon);
        return;
      case Tok::Break:
        advance();
        return;
      case Tok::Goto:
        advance();
        expect(Tok::Name);
        return;
      default:
        break;
    }
    ExpKind k = suffixedexp();
    if (cur() == Tok::Assign || cur() == Tok::Comma) {
      if (k != ExpKind::Var) throw SyntaxError{};
      while (accept(Tok::Comma)) {
        if (suffixedexp() != ExpKind::Var) throw SyntaxError{};
      }
      expect(Tok::Assign);
      explist();
    } else if (k != ExpKind::Call) {
      throw SyntaxError{};
    }
  }

  void body() {
    expect(Tok::LParen);
    if (cur() != Tok::RParen) {
      do {
        if (accept(Tok::Dots)) break;
        expect(Tok::Name);
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen);
    block();
    expect(Tok::End);
  }

  void explist() {
    expr();
    while (accept(Tok::Comma)) expr();
  }

  void expr() { subexpr(0); }

  // Lua's subexpr, except that a run of `..` is consumed in one go so the whole chain is known:
  // each operand after the first is a subexpr(9) (everything binding tighter than `..`), which is
  // equivalent to Lua's right-recursive subexpr(8).
  Tok subexpr(int limit) {
    DepthGuard guard(depth_);
    std::size_t first = p_;
    switch (cur()) {
      case Tok::Not:
      case Tok::Minus:
      case Tok::Tilde:
      case Tok::Hash:
        advance();
        subexpr(kUnaryPriority);
        break;
      default:
        simpleexp();
    }
    Tok op = cur();
    for (;;) {
      Priority pr = binary_priority(op);
      if (pr.left <= limit) return op;
      if (op == Tok::Concat && !targets_.concat.empty()) {
        add_edit(t_[first].begin, Edit::Open, std::string(targets_.concat) + "((");
        while (op == Tok::Concat) {
          add_edit(t_[p_].begin, Edit::Separator, "),(", 2);
          advance();
          op = subexpr(kConcatLeftPriority);
        }
        add_edit(prev_end(), Edit::Close, "))");
      } else {
        advance();
        op = subexpr(pr.right);
      }
    }
  }

  void simpleexp() {
    switch (cur()) {
      case Tok::Number:
        if (targets_.float_literals && integer_literal(t_[p_])) add_edit(t_[p_].end, Edit::Suffix, ".0");
        advance();
        return;
      case Tok::String:
      case Tok::Nil:
      case Tok::True:
      case Tok::False:
      case Tok::Dots:
        advance();
        return;
      case Tok::LBrace:
        constructor(false);
        return;
      case Tok::Function:
        advance();
        body();
        return;
      default:
        suffixedexp();
    }
  }

  ExpKind suffixedexp() {
    ExpKind k;
    if (accept(Tok::Name)) {
      k = ExpKind::Var;
    } else if (accept(Tok::LParen)) {
      expr();
      expect(Tok::RParen);
      k = ExpKind::Other;
    } else {
      throw SyntaxError{};
    }
    for (;;) {
      switch (cur()) {
        case Tok::Dot:
          advance();
          expect(Tok::Name);
          k = ExpKind::Var;
          break;
        case Tok::LBracket:
          advance();
          expr();
          expect(Tok::RBracket);
          k = ExpKind::Var;
          break;
        case Tok::Colon:
          advance();
          expect(Tok::Name);
          funcargs();
          k = ExpKind::Call;
          break;
        case Tok::LParen:
        case Tok::String:
        case Tok::LBrace:
          funcargs();
          k = ExpKind::Call;
          break;
        default:
          return k;
      }
    }
  }

  void funcargs() {
    switch (cur()) {
      case Tok::LParen:
        advance();
        if (cur() != Tok::RParen) explist();
        expect(Tok::RParen);
        return;
      case Tok::LBrace:
        constructor(true);
        return;
      case Tok::String:
        advance();
        return;
      default:
        throw SyntaxError{};
    }
  }

  // Runs `parse` over one expression; when that expression was a single integer numeral, returns
  // the index of the edit that made it a float.
  template <typename Parse>
  std::optional<std::size_t> literal_suffix(Parse parse) {
    const std::size_t first = p_;
    const std::size_t edit = edits_.size();
    parse();
    if (p_ != first + 1 || t_[first].kind != Tok::Number || edits_.size() != edit + 1) return std::nullopt;
    return edit;
  }

  // Whether every use of the loop variable t_[var] in the tokens [begin, end) is a whole index,
  // `x[i]` (field names `x.i` and method names `x:i` are not uses). Such a loop may keep integer
  // start and step literals: Lua 5.4 then runs an integer loop, whose index reads and writes the
  // same keys as the float one (integral float keys are stored as integers), and a float index
  // costs a slower table lookup on every access. The float rule stays for any other use.
  bool only_indexes(std::size_t var, std::size_t begin, std::size_t end) const {
    const std::string_view name = s_.substr(t_[var].begin, t_[var].end - t_[var].begin);
    for (std::size_t i = begin; i < end; ++i) {
      if (t_[i].kind != Tok::Name || s_.substr(t_[i].begin, t_[i].end - t_[i].begin) != name) continue;
      const Tok before = t_[i - 1].kind;
      if (before == Tok::Dot || before == Tok::Colon) continue;
      if (before != Tok::LBracket || i + 1 >= end || t_[i + 1].kind != Tok::RBracket) return false;
    }
    return true;
  }

  // A numeral without a fraction or an exponent, which Lua 5.4 would make an integer.
  bool integer_literal(const Token& t) const {
    const std::string_view text = s_.substr(t.begin, t.end - t.begin);
    const bool hex = text.size() > 1 && (text[1] == 'x' || text[1] == 'X');
    return text.find_first_of(hex ? ".pP" : ".eE") == std::string_view::npos;
  }

  struct Field {
    enum Kind : std::uint8_t { Named, Bracket, Positional } kind = Positional;
    std::size_t key_begin = 0;       // name, or '['
    std::size_t key_end = 0;         // end of '='
    std::size_t rbracket_begin = 0;  // ']' of a Bracket field
    std::size_t value_begin = 0;
    std::size_t value_end = 0;
    std::size_t sep_begin = 0;  // ',' or ';' after the field, when there is one
    bool has_sep = false;
    bool semicolon = false;
  };

  void constructor(bool call_arg) {
    const std::size_t open = t_[p_].begin;
    expect(Tok::LBrace);
    std::vector<Field> fields;
    while (cur() != Tok::RBrace) {
      Field f;
      if (cur() == Tok::Name && peek() == Tok::Assign) {
        f.kind = Field::Named;
        f.key_begin = t_[p_].begin;
        advance();
        f.key_end = t_[p_].end;
        advance();
      } else if (cur() == Tok::LBracket) {
        f.kind = Field::Bracket;
        f.key_begin = t_[p_].begin;
        advance();
        expr();
        f.rbracket_begin = t_[p_].begin;
        expect(Tok::RBracket);
        expect(Tok::Assign);
        f.key_end = prev_end();
      }
      f.value_begin = t_[p_].begin;
      expr();
      f.value_end = prev_end();
      if (cur() == Tok::Comma || cur() == Tok::Semi) {
        f.has_sep = true;
        f.semicolon = cur() == Tok::Semi;
        f.sep_begin = t_[p_].begin;
        advance();
      }
      fields.push_back(f);
      if (!f.has_sep) break;
    }
    const std::size_t close = t_[p_].begin;
    expect(Tok::RBrace);
    if (!targets_.list.empty()) constructor_edits(open, close, fields, call_arg);
  }

  // Routes the constructor through the table functions (ordered_table.h): a list constructor
  // is wrapped, one with keys becomes calls that set its fields in source order.
  void constructor_edits(std::size_t open, std::size_t close, const std::vector<Field>& fields, bool call_arg) {
    const bool keyed = std::any_of(fields.begin(), fields.end(), [this](const Field& f) {
      return f.kind == Field::Bracket || (f.kind == Field::Named && !targets_.named_as_list);
    });
    const std::string lead = call_arg ? "(" : "";
    const std::string trail = call_arg ? ")" : "";
    if (!keyed) {
      add_edit(open, Edit::Open, lead + std::string(targets_.list) + "(");
      add_edit(close + 1, Edit::Close, ")" + trail);
      return;
    }
    // The last field, when positional, may be a multi-value call: passed last, as it is.
    const bool rest = fields.back().kind == Field::Positional;
    const std::size_t n = fields.size();
    const std::size_t calls = (n - 1) / kFieldsPerCall + 1;
    std::size_t rest_index = 1;
    for (std::size_t i = 0; i + (rest ? 1 : 0) < n; ++i) {
      if (fields[i].kind == Field::Positional) ++rest_index;
    }
    auto header = [&](std::size_t call) {
      const std::size_t first = call * kFieldsPerCall;
      std::size_t pairs = std::min(n, first + kFieldsPerCall) - first;
      if (rest && call + 1 == calls) --pairs;
      return std::to_string(pairs) + "," + std::to_string(call + 1 == calls ? rest_index : 0) + ",";
    };
    std::string head = lead;
    for (std::size_t c = 0; c < calls; ++c) head += std::string(targets_.table) + "(";
    add_edit(open, Edit::Open, head + "nil," + header(0), 1);
    std::size_t positional = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Field& f = fields[i];
      const bool is_rest = rest && i + 1 == n;
      switch (f.kind) {
        case Field::Named:
          add_edit(f.key_begin, Edit::Open,
                   "\"" + std::string(s_.substr(f.key_begin, name_end(f.key_begin) - f.key_begin)) + "\",(",
                   f.key_end - f.key_begin);
          break;
        case Field::Bracket:
          add_edit(f.key_begin, Edit::Open, "(", 1);
          add_edit(f.rbracket_begin, Edit::Separator, "),(", f.key_end - f.rbracket_begin);
          break;
        case Field::Positional:
          ++positional;
          if (!is_rest) add_edit(f.value_begin, Edit::Open, std::to_string(positional) + ",(");
          break;
      }
      if (!is_rest) add_edit(f.value_end, Edit::Close, ")");
      if (!f.has_sep) continue;
      if (i + 1 == n) {
        add_edit(f.sep_begin, Edit::Separator, "", 1);
      } else if ((i + 1) % kFieldsPerCall == 0) {
        add_edit(f.sep_begin, Edit::Separator, ")," + header((i + 1) / kFieldsPerCall), 1);
      } else if (f.semicolon) {
        add_edit(f.sep_begin, Edit::Separator, ",", 1);
      }
    }
    add_edit(close, Edit::Close, ")" + trail, 1);
  }

  std::size_t name_end(std::size_t begin) const {
    std::size_t e = begin;
    while (e < s_.size() && is_alnum(s_[e])) ++e;
    return e;
  }

  std::string_view s_;
  const std::vector<Token>& t_;
  const Targets& targets_;
  std::size_t p_ = 0;
  int depth_ = 0;
  std::uint32_t seq_ = 0;
  std::vector<Edit> edits_;
};

// Names whose use can reach table iteration or length: when a chunk mentions none of them
// (as a name or as a string, `_G["pairs"]`), its tables need no order bookkeeping. Only pairs
// and next reveal key order; the others need the length alone.
struct TableUse {
  bool ordered = false;
  bool key_order = false;
};

TableUse table_use(std::string_view source, const std::vector<Token>& tokens) {
  static constexpr std::string_view kLength[] = {"table", "unpack"};
  static constexpr std::string_view kOrder[] = {"pairs", "next"};
  TableUse use;
  for (const Token& t : tokens) {
    if (t.kind == Tok::Hash) use.ordered = true;
    std::string_view text = source.substr(t.begin, t.end - t.begin);
    if (t.kind == Tok::String && text.size() >= 2 && (text[0] == '"' || text[0] == '\'')) {
      text = text.substr(1, text.size() - 2);
    } else if (t.kind != Tok::Name) {
      continue;
    }
    for (std::string_view n : kLength) use.ordered = use.ordered || text == n;
    for (std::string_view n : kOrder) use.key_order = use.key_order || text == n;
  }
  use.ordered = use.ordered || use.key_order;
  return use;
}

std::optional<std::vector<Edit>> parse_edits(std::string_view source, const Targets& targets, TableUse* use) {
  try {
    Lexer lexer(source);
    std::vector<Token> tokens = lexer.run();
    Targets used = targets;
    if (use != nullptr) {
      *use = table_use(source, tokens);
      if (!use->ordered) used.list = used.table = {};
      used.named_as_list = !use->key_order;
    }
    std::vector<Edit> edits = Parser(source, tokens, used).run();
    if (targets.float_literals) {  // the full rewrite also makes strings read as Lua 5.1 reads them
      for (std::size_t at : lexer.five_two_escapes_) edits.push_back({at, Edit::Suffix, 0, 1, ""});
    }
    return edits;
  } catch (const SyntaxError&) {
    return std::nullopt;
  }
}

std::string apply_edits(std::string_view source, std::vector<Edit> edits) {
  // At one position: suffixes, closings (inner before outer), a separator, then openings (outer
  // before inner). Inner constructs are always recorded before outer ones.
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
    if (a.pos != b.pos) return a.pos < b.pos;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.kind == Edit::Open ? a.seq > b.seq : a.seq < b.seq;
  });

  std::string out;
  out.reserve(source.size() + edits.size() * 16);
  std::size_t copied = 0;
  for (const Edit& e : edits) {
    if (e.pos > copied) {
      out.append(source.substr(copied, e.pos - copied));
      copied = e.pos;
    }
    // Keep `return"a"..b` or `return{1}` from gluing a function name onto the keyword.
    if (e.kind == Edit::Open && !e.text.empty() && is_alpha(e.text[0]) && !out.empty() &&
        (is_alnum(out.back()) || out.back() == '.')) {
      out.push_back(' ');
    }
    out.append(e.text);
    // Erased text keeps its line breaks, so error line numbers stay right.
    const std::size_t end = std::min(source.size(), e.pos + e.erase);
    for (std::size_t i = copied; i < end; ++i) {
      if (source[i] == '\n') out.push_back('\n');
    }
    copied = std::max(copied, end);
  }
  out.append(source.substr(copied));
  return out;
}

}  // namespace

std::optional<std::string> rewrite_concat_for_test(std::string_view source, std::string_view fn) {
  Targets targets;
  targets.concat = fn;
  auto edits = parse_edits(source, targets, nullptr);
  if (!edits) return std::nullopt;
  if (edits->empty()) return std::string(source);
  return apply_edits(source, std::move(*edits));
}

std::optional<RewrittenChunk> rewrite_chunk(std::string_view source, const RewriteNames& names) {
  Targets targets;
  targets.concat = names.concat;
  targets.list = names.list;
  targets.table = names.table;
  targets.float_literals = true;
  RewrittenChunk out;
  TableUse use;
  auto edits = parse_edits(source, targets, &use);
  if (!edits) return std::nullopt;
  out.ordered_tables = use.ordered;
  out.key_order = use.key_order;
  out.text = edits->empty() ? std::string(source) : apply_edits(source, std::move(*edits));
  return out;
}

}  // namespace cell0::lua
