// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource) as vendored by Karmada,
// reproduced to the byte: parsing, rounding, exact addition, String() and
// AsApproximateFloat64(). Like Go, a value is held either as a scaled int64 or as an exact
// decimal, and which one matters for AsApproximateFloat64 and the integer conversions.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lua/big_int.h"

namespace cell0::lua {

class QuantityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Quantity {
 public:
  enum class Format { DecimalSI, BinarySI, DecimalExponent };

  Quantity() = default;  // zero with no format, as `resource.Quantity{}`

  // resource.ParseQuantity; throws QuantityError with apimachinery's message.
  static Quantity parse(std::string_view text);
  static Quantity from_int(std::int64_t value, Format format);    // resource.NewQuantity
  static Quantity from_milli(std::int64_t milli, Format format);  // resource.NewMilliQuantity

  void add(const Quantity& y);       // Quantity.Add (exact, unbounded)
  std::string to_string() const;     // Quantity.String()
  double approximate_float() const;  // Quantity.AsApproximateFloat64()
  int sign() const;
  int compare(const Quantity& other) const;  // by value: -1, 0, 1
  bool is_zero() const { return sign() == 0; }
  std::optional<Format> format() const { return format_; }

  // Quantity.Value() / MilliValue(): rounded up, with Go's int64 wrap-around on overflow.
  std::int64_t value_ceil() const { return scaled_value(0); }
  std::int64_t milli_value_ceil() const { return scaled_value(-3); }

 private:
  // value * 10^scale (apimachinery int64Amount).
  struct Int64Amount {
    std::int64_t value = 0;
    std::int32_t scale = 0;
  };
  // unscaled * 10^-scale (inf.Dec).
  struct Dec {
    BigInt unscaled;
    std::int32_t scale = 0;
  };

  Dec as_dec() const;
  std::int64_t scaled_value(std::int32_t scale) const;

  Int64Amount i_;
  std::optional<Dec> d_;
  std::string s_;  // the input text, kept when it is already canonical
  std::optional<Format> format_;
};

}  // namespace cell0::lua
