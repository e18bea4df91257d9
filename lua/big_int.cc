#include "lua/big_int.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace cell0::lua {

BigInt::BigInt(std::int64_t v) {
  negative_ = v < 0;
  // Magnitude through unsigned arithmetic so INT64_MIN is fine.
  std::uint64_t m = negative_ ? ~static_cast<std::uint64_t>(v) + 1 : static_cast<std::uint64_t>(v);
  while (m != 0) {
    limbs_.push_back(static_cast<std::uint32_t>(m % kBase));
    m /= kBase;
  }
}

bool BigInt::set_decimal(std::string_view text) {
  bool neg = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    neg = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  limbs_.clear();
  for (std::size_t end = text.size(); end > 0;) {
    const std::size_t begin = end >= 9 ? end - 9 : 0;
    std::uint32_t limb = 0;
    for (std::size_t i = begin; i < end; ++i) limb = limb * 10 + static_cast<std::uint32_t>(text[i] - '0');
    limbs_.push_back(limb);
    end = begin;
  }
  trim();
  negative_ = neg && !is_zero();
  return true;
}

void BigInt::trim() {
  while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  if (limbs_.empty()) negative_ = false;
}

int BigInt::compare_magnitude(const BigInt& a, const BigInt& b) {
  if (a.limbs_.size() != b.limbs_.size()) return a.limbs_.size() < b.limbs_.size() ? -1 : 1;
  for (std::size_t i = a.limbs_.size(); i-- > 0;) {
    if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] < b.limbs_[i] ? -1 : 1;
  }
  return 0;
}

void BigInt::add(const BigInt& other) {
  if (other.is_zero()) return;
  if (is_zero()) {
    *this = other;
    return;
  }
  if (negative_ == other.negative_) {
    const std::size_t n = std::max(limbs_.size(), other.limbs_.size());
    limbs_.resize(n, 0);
    std::uint32_t carry = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t sum = limbs_[i] + carry + (i < other.limbs_.size() ? other.limbs_[i] : 0);
      carry = sum >= kBase ? 1 : 0;
      limbs_[i] = sum - carry * kBase;
    }
    if (carry != 0) limbs_.push_back(carry);
    return;
  }
  // Different signs: subtract the smaller magnitude from the larger one.
  const int cmp = compare_magnitude(*this, other);
  if (cmp == 0) {
    limbs_.clear();
    negative_ = false;
    return;
  }
  const std::vector<std::uint32_t>& big = cmp > 0 ? limbs_ : other.limbs_;
  const std::vector<std::uint32_t>& small = cmp > 0 ? other.limbs_ : limbs_;
  std::vector<std::uint32_t> result(big.size());
  std::int64_t borrow = 0;
  for (std::size_t i = 0; i < big.size(); ++i) {
    std::int64_t d =
        static_cast<std::int64_t>(big[i]) - borrow - (i < small.size() ? static_cast<std::int64_t>(small[i]) : 0);
    borrow = d < 0 ? 1 : 0;
    result[i] = static_cast<std::uint32_t>(d + borrow * kBase);
  }
  const bool neg = cmp > 0 ? negative_ : other.negative_;
  limbs_ = std::move(result);
  negative_ = neg;
  trim();
}

void BigInt::mul_small(std::uint32_t m) {
  if (m == 0) {
    limbs_.clear();
    negative_ = false;
    return;
  }
  std::uint64_t carry = 0;
  for (auto& limb : limbs_) {
    const std::uint64_t p = static_cast<std::uint64_t>(limb) * m + carry;
    limb = static_cast<std::uint32_t>(p % kBase);
    carry = p / kBase;
  }
  while (carry != 0) {
    limbs_.push_back(static_cast<std::uint32_t>(carry % kBase));
    carry /= kBase;
  }
}

void BigInt::mul_pow10(std::uint64_t n) {
  if (is_zero() || n == 0) return;
  static constexpr std::uint32_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  mul_small(kPow10[n % 9]);
  limbs_.insert(limbs_.begin(), static_cast<std::size_t>(n / 9), 0);
}

void BigInt::mul_pow2(std::uint32_t n) {
  for (; n >= 30; n -= 30) mul_small(1U << 30);
  mul_small(1U << n);
}

std::uint32_t BigInt::divmod_small(std::uint32_t d) {
  std::uint64_t rem = 0;
  for (std::size_t i = limbs_.size(); i-- > 0;) {
    const std::uint64_t cur = rem * kBase + limbs_[i];
    limbs_[i] = static_cast<std::uint32_t>(cur / d);
    rem = cur % d;
  }
  trim();
  return static_cast<std::uint32_t>(rem);
}

bool BigInt::div_pow10(std::uint64_t n) {
  bool dropped = false;
  const std::uint64_t whole = n / 9;
  if (whole >= limbs_.size()) {
    dropped = !is_zero();
    limbs_.clear();
    negative_ = false;
    return dropped;
  }
  for (std::uint64_t i = 0; i < whole; ++i) dropped = dropped || limbs_[i] != 0;
  limbs_.erase(limbs_.begin(), limbs_.begin() + static_cast<std::ptrdiff_t>(whole));
  static constexpr std::uint32_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  if (n % 9 != 0) dropped = divmod_small(kPow10[n % 9]) != 0 || dropped;
  trim();
  return dropped;
}

std::uint64_t BigInt::trailing_decimal_zeros() const {
  std::uint64_t zeros = 0;
  for (std::uint32_t limb : limbs_) {  // least significant first; trim() keeps the top limb nonzero
    if (limb == 0) {
      zeros += 9;
      continue;
    }
    for (; limb % 10 == 0; limb /= 10) ++zeros;
    return zeros;
  }
  return 0;  // zero
}

std::int64_t BigInt::low_int64() const {
  std::uint64_t m = 0;
  for (std::size_t i = limbs_.size(); i-- > 0;) m = m * kBase + limbs_[i];  // wraps mod 2^64
  if (negative_) m = ~m + 1;
  return static_cast<std::int64_t>(m);
}

bool BigInt::fits_int64() const {
  static const BigInt kMax(std::numeric_limits<std::int64_t>::max());
  static const BigInt kMin(std::numeric_limits<std::int64_t>::min());
  return *this >= kMin && *this <= kMax;
}

double BigInt::to_double() const {
  const std::string text = to_string();
  double out = 0;
  const char* first = text.data();
  if (negative_) ++first;
  auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), out);
  (void)ptr;
  if (ec == std::errc::result_out_of_range) out = std::numeric_limits<double>::infinity();
  return negative_ ? -out : out;
}

std::string BigInt::to_string() const {
  if (is_zero()) return "0";
  std::string out = negative_ ? "-" : "";
  out += std::to_string(limbs_.back());
  char buf[16];
  for (std::size_t i = limbs_.size() - 1; i-- > 0;) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, limbs_[i]);
    (void)ec;
    out.append(static_cast<std::size_t>(9 - (end - buf)), '0');
    out.append(buf, end);
  }
  return out;
}

std::strong_ordering operator<=>(const BigInt& a, const BigInt& b) {
  if (a.sign() != b.sign()) return a.sign() <=> b.sign();
  const int mag = BigInt::compare_magnitude(a, b);
  return (a.negative_ ? -mag : mag) <=> 0;
}

}  // namespace cell0::lua
