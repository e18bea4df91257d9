#include "lua/quantity.h"

#include <limits>
#include <tuple>
#include <utility>

namespace cell0::lua {
namespace {

constexpr std::int64_t kMinInt64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();

const char* const kErrFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const char* const kErrNumeric = "unable to parse numeric part of quantity";
const char* const kErrSuffix = "unable to parse quantity's suffix";

// Go does these on int32 Scale values and wraps on overflow; so do we.
std::int32_t wrap32(std::int64_t v) { return static_cast<std::int32_t>(v); }

// Beyond this many decimal places of rescaling Go would grind through gigantic big.Ints; we
// refuse instead of hanging the webhook.
constexpr std::int64_t kMaxRescale = 100000;

void check_rescale(std::int64_t digits) {
  if (digits > kMaxRescale) throw QuantityError("quantity exponent is out of the supported range");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// strconv.ParseInt(s, 10, 64).
bool go_parse_int64(std::string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  std::uint64_t m = 0;
  const std::uint64_t limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
  for (const char c : s) {
    if (!is_digit(c)) return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (m > (limit - d) / 10) return false;
    m = m * 10 + d;
  }
  out = neg ? static_cast<std::int64_t>(~m + 1) : static_cast<std::int64_t>(m);
  return true;
}

std::int64_t wrapping_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

// apimachinery int64MultiplyScale: the (possibly wrapped) product and whether it is exact.
std::pair<std::int64_t, bool> multiply_scale(std::int64_t a, std::int64_t b) {
  if (a == 0 || a == 1) return {a * b, true};
  if (a == kMinInt64) return {0, false};
  const std::int64_t c = wrapping_mul(a, b);
  return {c, c / b == a};
}

// apimachinery positiveScaleInt64: base * 10^scale.
std::pair<std::int64_t, bool> positive_scale(std::int64_t base, std::int32_t scale) {
  switch (scale) {
    case 0:
      return {base, true};
    case 1:
      return multiply_scale(base, 10);
    case 2:
      return multiply_scale(base, 100);
    case 3:
      return multiply_scale(base, 1000);
    case 6:
      return multiply_scale(base, 1000000);
    case 9:
      return multiply_scale(base, 1000000000);
    default: {
      std::int64_t value = base;
      for (std::int32_t i = 0; i < scale; ++i) {
        bool ok = false;
        std::tie(value, ok) = multiply_scale(value, 10);
        if (!ok) return {0, false};
      }
      return {value, true};
    }
  }
}

// apimachinery negativeScaleInt64: base / 10^scale rounded away from zero.
std::pair<std::int64_t, bool> negative_scale(std::int64_t base, std::int32_t scale) {
  if (scale == 0) return {base, true};
  std::int64_t value = base;
  bool fraction = false;
  for (std::int32_t i = 0; i < scale; ++i) {
    if (!fraction && value % 10 != 0) fraction = true;
    value /= 10;
    if (value == 0) {
      if (fraction) return {base > 0 ? 1 : -1, false};
      return {0, true};
    }
  }
  if (fraction) value += base > 0 ? 1 : -1;
  return {value, !fraction};
}

std::int64_t pow10_int64(std::int64_t b) {
  if (b < 0 || b > 18) return 0;
  std::int64_t r = 1;
  for (std::int64_t i = 0; i < b; ++i) r *= 10;
  return r;
}

// Go's math.Pow10, which multiplies two table entries rather than rounding 10^n once.
double go_pow10(std::int64_t n) {
  static constexpr double kTab[] = {1e00, 1e01, 1e02, 1e03, 1e04, 1e05, 1e06, 1e07, 1e08, 1e09, 1e10,
                                    1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
                                    1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31};
  static constexpr double kPos32[] = {1e00, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288};
  static constexpr double kNeg32[] = {1e-00,  1e-32,  1e-64,  1e-96,  1e-128, 1e-160,
                                      1e-192, 1e-224, 1e-256, 1e-288, 1e-320};
  if (n >= 0 && n <= 308) return kPos32[n / 32] * kTab[n % 32];
  if (n >= -323 && n <= 0) return kNeg32[-n / 32] / kTab[-n % 32];
  if (n > 0) return std::numeric_limits<double>::infinity();
  return 0;
}

// Brings `d` to a larger scale exactly.
void rescale_up(BigInt& unscaled, std::int32_t& scale, std::int32_t to) {
  const std::int64_t diff = static_cast<std::int64_t>(to) - scale;
  check_rescale(diff);
  unscaled.mul_pow10(static_cast<std::uint64_t>(diff));
  scale = to;
}

int dec_cmp(BigInt a, std::int32_t as, BigInt b, std::int32_t bs) {
  if (a.sign() != b.sign()) return a.sign() < b.sign() ? -1 : 1;
  if (as < bs) rescale_up(a, as, bs);
  if (bs < as) rescale_up(b, bs, as);
  const auto c = a <=> b;
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// inf.Dec.Round(x, s, inf.RoundUp): exact to scale s, rounding away from zero.
void dec_round_up(BigInt& unscaled, std::int32_t& scale, std::int32_t to) {
  if (scale <= to) {
    rescale_up(unscaled, scale, to);
    return;
  }
  const std::int64_t diff = static_cast<std::int64_t>(scale) - to;
  check_rescale(diff);
  const int sign = unscaled.sign();
  if (unscaled.div_pow10(static_cast<std::uint64_t>(diff))) {
    unscaled.add(BigInt(sign < 0 ? -1 : 1));
  }
  scale = to;
}

// removeInt64Factors (negative values keep their sign; INT64_MIN is left alone as in Go).
std::pair<std::int64_t, std::int32_t> remove_int64_factors(std::int64_t value, std::int64_t base) {
  std::int32_t times = 0;
  std::int64_t result = value;
  const bool negative = result < 0;
  if (negative) result = static_cast<std::int64_t>(~static_cast<std::uint64_t>(result) + 1);
  while (result >= base && result % base == 0) {
    ++times;
    result /= base;
  }
  if (negative) result = static_cast<std::int64_t>(~static_cast<std::uint64_t>(result) + 1);
  return {result, times};
}

// removeBigIntFactors.
std::int32_t remove_big_factors(BigInt& value, std::uint32_t factor) {
  if (factor == 10) {
    // The same result in one pass: dividing a division at a time is quadratic, and "1…1e99999"
    // has 100,000 factors of 10 (found by fuzz_quantity: seconds for a 30-byte quantity).
    const std::uint64_t zeros = value.trailing_decimal_zeros();
    value.div_pow10(zeros);
    return static_cast<std::int32_t>(zeros);
  }
  std::int32_t times = 0;
  while (!value.is_zero()) {
    BigInt q = value;
    if (q.divmod_small(factor) != 0) break;
    value = std::move(q);
    ++times;
  }
  return times;
}

std::string decimal_suffix(std::int32_t exponent) {
  switch (exponent) {
    case -9:
      return "n";
    case -6:
      return "u";
    case -3:
      return "m";
    case 3:
      return "k";
    case 6:
      return "M";
    case 9:
      return "G";
    case 12:
      return "T";
    case 15:
      return "P";
    case 18:
      return "E";
    default:
      return "";  // includes exponents past E: Kubernetes prints no suffix at all
  }
}

std::string binary_suffix(std::int32_t exponent) {
  static const char* const kNames[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  return exponent >= 0 && exponent <= 6 ? kNames[exponent] : "";
}

// infDecAmount.AsCanonicalBytes.
std::pair<std::string, std::int32_t> dec_canonical(BigInt amount, std::int32_t scale) {
  const std::int32_t times = remove_big_factors(amount, 10);
  std::int32_t exponent = wrap32(static_cast<std::int64_t>(wrap32(-static_cast<std::int64_t>(scale))) + times);
  while (exponent % 3 != 0) {
    amount.mul_small(10);
    exponent = wrap32(static_cast<std::int64_t>(exponent) - 1);
  }
  return {amount.to_string(), exponent};
}

// The pieces of parseQuantityString.
struct Scanned {
  bool positive = true;
  std::string_view value;  // sign and number as written (for the exact decimal path)
  std::string num;         // integer digits without leading zeros ("0" when none)
  std::string_view denom;  // fraction digits
  std::string_view suffix;
};

// parseQuantityString; false means the regular-expression error.
bool scan_quantity(std::string_view str, Scanned& out) {
  std::size_t pos = 0;
  const std::size_t end = str.size();
  if (pos < end) {
    if (str[0] == '-') {
      out.positive = false;
      ++pos;
    } else if (str[0] == '+') {
      ++pos;
    }
  }
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      out.num = "0";
      out.value = "0";
      return true;
    }
    if (str[i] != '0') break;
    ++pos;
  }
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      out.num = std::string(str.substr(pos));
      out.value = str;
      return true;
    }
    if (!is_digit(str[i])) {
      out.num = std::string(str.substr(pos, i - pos));
      pos = i;
      break;
    }
  }
  if (out.num.empty()) out.num = "0";
  if (pos < end && str[pos] == '.') {
    ++pos;
    for (std::size_t i = pos;; ++i) {
      if (i >= end) {
        out.denom = str.substr(pos);
        out.value = str;
        return true;
      }
      if (!is_digit(str[i])) {
        out.denom = str.substr(pos, i - pos);
        pos = i;
        break;
      }
    }
  }
  out.value = str.substr(0, pos);
  const std::size_t suffix_start = pos;
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      out.suffix = str.substr(suffix_start);
      return true;
    }
    if (std::string_view("eEinumkKMGTP").find(str[i]) == std::string_view::npos) {
      pos = i;
      break;
    }
  }
  if (str[pos] == '-' || str[pos] == '+') ++pos;
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      out.suffix = str.substr(suffix_start);
      return true;
    }
    if (!is_digit(str[i])) return false;
  }
}

struct Interpreted {
  int base;
  std::int32_t exponent;
  Quantity::Format format;
};

// suffixHandler.interpret.
bool interpret_suffix(std::string_view s, Interpreted& out) {
  static const std::pair<std::string_view, std::int32_t> kDecimal[] = {
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}};
  static const std::pair<std::string_view, std::int32_t> kBinary[] = {{"Ki", 10}, {"Mi", 20}, {"Gi", 30},
                                                                      {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (const auto& [name, exp] : kDecimal) {
    if (s == name) {
      out = {10, exp, Quantity::Format::DecimalSI};
      return true;
    }
  }
  for (const auto& [name, exp] : kBinary) {
    if (s == name) {
      out = {2, exp, Quantity::Format::BinarySI};
      return true;
    }
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::int64_t parsed = 0;
    if (!go_parse_int64(s.substr(1), parsed)) return false;
    out = {10, wrap32(parsed), Quantity::Format::DecimalExponent};  // Go truncates to int32
    return true;
  }
  return false;
}

// inf.Dec.SetString for the number text of a quantity.
bool dec_set_string(std::string_view text, BigInt& unscaled, std::int32_t& scale) {
  std::string digits;
  std::int64_t dp = -1;
  bool any_digit = false;
  for (const char c : text) {
    if (c == '+' || c == '-') {
      if (!digits.empty() || dp >= 0) return false;
    } else if (c == '.') {
      if (dp >= 0) return false;
      dp = static_cast<std::int64_t>(digits.size());
      continue;
    } else if (is_digit(c)) {
      any_digit = true;
    } else {
      return false;
    }
    digits += c;
  }
  if (!any_digit) return false;
  scale = dp >= 0 ? wrap32(static_cast<std::int64_t>(digits.size()) - dp) : 0;
  return unscaled.set_decimal(digits);
}

}  // namespace

Quantity Quantity::from_int(std::int64_t value, Format format) {
  Quantity q;
  q.i_ = {value, 0};
  q.format_ = format;
  return q;
}

Quantity Quantity::from_milli(std::int64_t milli, Format format) {
  Quantity q;
  q.i_ = {milli, -3};
  q.format_ = format;
  return q;
}

Quantity Quantity::parse(std::string_view str) {
  if (str.empty()) throw QuantityError(kErrFormatWrong);
  Quantity q;
  if (str == "0") {
    q.format_ = Format::DecimalSI;
    q.s_ = "0";
    return q;
  }
  Scanned sc;
  if (!scan_quantity(str, sc)) throw QuantityError(kErrFormatWrong);
  Interpreted in{};
  if (!interpret_suffix(sc.suffix, in)) throw QuantityError(kErrSuffix);

  // Fast path: the value fits an int64 with a scale no finer than nano.
  std::int32_t precision = 0;
  std::int32_t scale = 0;
  std::int64_t mantissa = 1;
  const auto digit_count = static_cast<std::int32_t>(sc.num.size() + sc.denom.size());
  if (in.format == Format::BinarySI) {
    if (in.exponent >= 0 && sc.denom.empty()) {
      mantissa = std::int64_t{1} << in.exponent;
      // 1Mi (2^20) has ~6 digits of decimal precision, hence exponent*3/10 (in float32 in Go).
      precision = 15 - static_cast<std::int32_t>(sc.num.size()) -
                  static_cast<std::int32_t>(static_cast<float>(in.exponent) * 3 / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = in.exponent;
    precision = 18 - digit_count;
  }
  if (precision >= 0) {
    scale = wrap32(static_cast<std::int64_t>(scale) - static_cast<std::int64_t>(sc.denom.size()));
    if (scale >= -9) {
      const std::string shifted = sc.num + std::string(sc.denom);
      std::int64_t value = 0;
      if (!go_parse_int64(shifted, value)) throw QuantityError(kErrNumeric);
      std::int64_t result = 0;
      if (!__builtin_mul_overflow(value, mantissa, &result)) {
        if (!sc.positive) result = -result;
        q.i_ = {result, scale};
        q.format_ = in.format;
        // Input that already looks canonical is kept verbatim (sign and all).
        if (in.format == Format::BinarySI) {
          if (in.exponent % 10 == 0 && (value & 0x07) != 0) q.s_ = std::string(str);
        } else if (scale % 3 == 0 && !shifted.ends_with("000") && shifted[0] != '0') {
          q.s_ = std::string(str);
        }
        return q;
      }
    }
  }

  // Exact decimal path.
  BigInt amount;
  std::int32_t amount_scale = 0;
  if (!dec_set_string(sc.value, amount, amount_scale)) throw QuantityError(kErrNumeric);
  if (in.base == 10) {
    amount_scale = wrap32(static_cast<std::int64_t>(amount_scale) + wrap32(-static_cast<std::int64_t>(in.exponent)));
  } else {
    amount.mul_pow2(static_cast<std::uint32_t>(in.exponent));
  }
  const int sign = amount.sign();
  if (sign < 0) amount.negate();
  // Non-zero values finer than 1n are rounded up: asking for some resource gets some.
  if (!amount.is_zero()) dec_round_up(amount, amount_scale, 9);
  Format format = in.format;
  if (format == Format::BinarySI) {
    if (dec_cmp(amount, amount_scale, BigInt(kMaxInt64), 0) > 0) {
      amount = BigInt(kMaxInt64);
      amount_scale = 0;
    }
    if (dec_cmp(amount, amount_scale, BigInt(1), 0) < 0 && amount.sign() > 0) {
      format = Format::DecimalSI;
    }
  }
  if (sign < 0) amount.negate();
  q.d_ = Dec{std::move(amount), amount_scale};
  q.format_ = format;
  return q;
}

Quantity::Dec Quantity::as_dec() const {
  if (d_) return *d_;
  return Dec{BigInt(i_.value), wrap32(-static_cast<std::int64_t>(i_.scale))};
}

int Quantity::sign() const {
  if (d_) return d_->unscaled.sign();
  return i_.value < 0 ? -1 : (i_.value > 0 ? 1 : 0);
}

int Quantity::compare(const Quantity& other) const {
  Dec a = as_dec();
  Dec b = other.as_dec();
  return dec_cmp(std::move(a.unscaled), a.scale, std::move(b.unscaled), b.scale);
}

void Quantity::add(const Quantity& y) {
  s_.clear();
  if (!d_ && !y.d_) {
    if (i_.value == 0) format_ = y.format_;
    // int64Amount.Add: only commits when the sum fits.
    const Int64Amount& b = y.i_;
    if (b.value == 0) return;
    if (i_.value == 0) {
      i_ = b;
      return;
    }
    std::int64_t sum = 0;
    if (i_.scale == b.scale) {
      if (!__builtin_add_overflow(i_.value, b.value, &sum)) {
        i_.value = sum;
        return;
      }
    } else if (i_.scale > b.scale) {
      auto [c, ok] = positive_scale(i_.value, wrap32(static_cast<std::int64_t>(i_.scale) - b.scale));
      if (ok && !__builtin_add_overflow(c, b.value, &sum)) {
        i_ = {sum, b.scale};
        return;
      }
    } else {
      auto [c, ok] = positive_scale(b.value, wrap32(static_cast<std::int64_t>(b.scale) - i_.scale));
      if (ok && !__builtin_add_overflow(i_.value, c, &sum)) {
        i_.value = sum;
        return;
      }
    }
  } else if (is_zero()) {
    format_ = y.format_;
  }
  Dec a = as_dec();
  Dec b = y.as_dec();
  if (a.scale < b.scale) rescale_up(a.unscaled, a.scale, b.scale);
  if (b.scale < a.scale) rescale_up(b.unscaled, b.scale, a.scale);
  a.unscaled.add(b.unscaled);
  d_ = std::move(a);
  i_ = {};
}

std::string Quantity::to_string() const {
  if (!s_.empty()) return s_;
  if (is_zero()) return "0";
  Format format = format_.value_or(Format::DecimalExponent);

  if (format == Format::BinarySI) {
    const Dec v = as_dec();
    if (dec_cmp(v.unscaled, v.scale, BigInt(-1024), 0) > 0 && dec_cmp(v.unscaled, v.scale, BigInt(1024), 0) < 0) {
      format = Format::DecimalSI;
    } else if (!d_) {
      // int64Amount.AsScale(0) then AsCanonicalBase1024Bytes.
      Int64Amount rounded = i_;
      bool exact = true;
      if (i_.scale < 0) {
        std::tie(rounded.value, exact) = negative_scale(i_.value, wrap32(-static_cast<std::int64_t>(i_.scale)));
        rounded.scale = 0;
      }
      if (exact) {
        auto [whole, ok] = positive_scale(rounded.value, rounded.scale);
        if (ok) {
          auto [amount, exponent] = remove_int64_factors(whole, 1024);
          return std::to_string(amount) + binary_suffix(exponent);
        }
        BigInt amount(rounded.value);
        check_rescale(rounded.scale);
        amount.mul_pow10(static_cast<std::uint64_t>(rounded.scale));
        const std::int32_t exponent = remove_big_factors(amount, 1024);
        return amount.to_string() + binary_suffix(exponent);
      }
      format = Format::DecimalSI;
    } else {
      BigInt amount = d_->unscaled;
      std::int32_t scale = d_->scale;
      BigInt original = amount;
      dec_round_up(amount, scale, 0);
      if (dec_cmp(amount, scale, original, d_->scale) == 0) {
        const std::int32_t exponent = remove_big_factors(amount, 1024);
        return amount.to_string() + binary_suffix(exponent);
      }
      format = Format::DecimalSI;
    }
  }

  std::string number;
  std::int32_t exponent = 0;
  bool done = false;
  if (!d_) {
    // int64Amount.AsCanonicalBytes, falling back to the decimal form on overflow.
    auto [amount, times] = remove_int64_factors(i_.value, 10);
    exponent = wrap32(static_cast<std::int64_t>(i_.scale) + times);
    bool ok = true;
    switch (exponent % 3) {
      case 1:
      case -2:
        std::tie(amount, ok) = multiply_scale(amount, 10);
        exponent = wrap32(static_cast<std::int64_t>(exponent) - 1);
        break;
      case 2:
      case -1:
        std::tie(amount, ok) = multiply_scale(amount, 100);
        exponent = wrap32(static_cast<std::int64_t>(exponent) - 2);
        break;
      default:
        break;
    }
    if (ok) {
      number = std::to_string(amount);
      done = true;
    }
  }
  if (!done) {
    const Dec v = as_dec();
    std::tie(number, exponent) = dec_canonical(v.unscaled, v.scale);
  }
  if (format == Format::DecimalSI) return number + decimal_suffix(exponent);
  if (exponent == 0) return number;
  return number + "e" + std::to_string(exponent);
}

double Quantity::approximate_float() const {
  double base = 0;
  std::int64_t exponent = 0;
  if (d_) {
    base = d_->unscaled.to_double();
    exponent = wrap32(-static_cast<std::int64_t>(d_->scale));
  } else {
    base = static_cast<double>(i_.value);
    exponent = i_.scale;
  }
  if (exponent == 0) return base;
  return base * go_pow10(exponent);
}

std::int64_t Quantity::scaled_value(std::int32_t scale) const {
  if (!d_) {
    // int64Amount.AsScaledInt64, ignoring the ok flag like Quantity.ScaledValue does.
    if (i_.scale < scale) {
      return negative_scale(i_.value, wrap32(static_cast<std::int64_t>(scale) - i_.scale)).first;
    }
    return positive_scale(i_.value, wrap32(static_cast<std::int64_t>(i_.scale) - scale)).first;
  }
  // scaledValue(unscaled, scale, newScale): always rounds up when scaling down.
  const BigInt& unscaled = d_->unscaled;
  const std::int64_t dif = static_cast<std::int64_t>(d_->scale) - wrap32(-static_cast<std::int64_t>(scale));
  if (dif == 0) return unscaled.low_int64();
  if (dif < 0) return wrapping_mul(unscaled.low_int64(), pow10_int64(-dif));
  if (unscaled < BigInt(kMaxInt64) && dif < 19) {
    const std::int64_t u = unscaled.low_int64();
    const std::int64_t divide = pow10_int64(dif);
    const std::int64_t result = u / divide;
    return u % divide != 0 ? result + 1 : result;
  }
  // Euclidean big.Int.DivMod, then +1 for any remainder.
  check_rescale(dif);
  BigInt q = unscaled;
  const bool negative = q.sign() < 0;
  const bool dropped = q.div_pow10(static_cast<std::uint64_t>(dif));
  if (negative && dropped) q.add(BigInt(-1));
  const std::int64_t r = q.low_int64();
  return dropped ? static_cast<std::int64_t>(static_cast<std::uint64_t>(r) + 1) : r;
}

}  // namespace cell0::lua
