// A small signed arbitrary-precision integer, enough for Kubernetes Quantity arithmetic
// (Go's math/big and inf.Dec as used by apimachinery). Not a general-purpose bignum.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cell0::lua {

class BigInt {
 public:
  BigInt() = default;
  explicit BigInt(std::int64_t v);

  // Accepts [+-]?[0-9]+; returns false (leaving *this unchanged) otherwise.
  bool set_decimal(std::string_view text);

  bool is_zero() const { return limbs_.empty(); }
  int sign() const { return is_zero() ? 0 : (negative_ ? -1 : 1); }
  void negate() { negative_ = !negative_ && !is_zero(); }

  void add(const BigInt& other);
  void mul_small(std::uint32_t m);
  void mul_pow10(std::uint64_t n);
  void mul_pow2(std::uint32_t n);
  // Truncating division of the magnitude by d (d > 0); returns the magnitude's remainder.
  std::uint32_t divmod_small(std::uint32_t d);
  // Truncating division of the magnitude by 10^n; returns true when a remainder was dropped.
  bool div_pow10(std::uint64_t n);
  // How many times 10 divides the magnitude (0 for zero); linear in the number of limbs.
  std::uint64_t trailing_decimal_zeros() const;

  // Go's big.Int.Int64(): the low 64 bits of the magnitude, negated for negative values.
  std::int64_t low_int64() const;
  bool fits_int64() const;
  // Nearest double, ties to even (big.Float.Float64 of an exact integer); +-Inf on overflow.
  double to_double() const;
  std::string to_string() const;

  friend std::strong_ordering operator<=>(const BigInt& a, const BigInt& b);
  friend bool operator==(const BigInt& a, const BigInt& b) = default;

 private:
  static constexpr std::uint32_t kBase = 1000000000;  // 9 decimal digits per limb
  static int compare_magnitude(const BigInt& a, const BigInt& b);
  void trim();

  std::vector<std::uint32_t> limbs_;  // little-endian, base 1e9, no leading zero limbs
  bool negative_ = false;
};

}  // namespace cell0::lua
