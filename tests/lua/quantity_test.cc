#include "lua/quantity.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using cell0::lua::Quantity;
using cell0::lua::QuantityError;

namespace {

// kube.resourceAdd: a zero Quantity with no format, each argument added, then String().
std::string resource_add(std::initializer_list<const char*> args) {
  Quantity sum;
  for (const char* a : args) sum.add(Quantity::parse(a));
  return sum.to_string();
}

double approx(const char* text) { return Quantity::parse(text).approximate_float(); }

}  // namespace

TEST_CASE("Quantity matches every apimachinery vector", "[quantity]") {
  std::ifstream in(CELL0_SHARED_DIR "/conformance/quantity/vectors.jsonl");
  if (!in) {
    WARN("quantity/vectors.jsonl not found; skipping");
    return;
  }
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto v = nlohmann::json::parse(line);
    const auto op = v.at("op").get<std::string>();
    const auto args = v.at("args").get<std::vector<std::string>>();
    INFO(line);
    if (op == "string") {
      if (v.value("error", false)) {
        CHECK_THROWS_AS(Quantity::parse(args.at(0)), QuantityError);
      } else {
        CHECK(Quantity::parse(args.at(0)).to_string() == v.at("result").get<std::string>());
      }
    } else if (op == "add") {
      Quantity sum;
      for (const auto& a : args) sum.add(Quantity::parse(a));
      CHECK(sum.to_string() == v.at("result").get<std::string>());
    } else if (op == "approx") {
      CHECK(Quantity::parse(args.at(0)).approximate_float() == v.at("number").get<double>());
    } else {
      FAIL("unknown op " << op);
    }
    ++count;
  }
  CHECK(count == 3020);
}

TEST_CASE("resourceAdd table from the reference", "[quantity]") {
  CHECK(resource_add({"100m", "0.5"}) == "600m");
  CHECK(resource_add({"1Gi", "512Mi"}) == "1536Mi");
  CHECK(resource_add({"1", "1k"}) == "1001");
  CHECK(resource_add({"1k", "1Ki"}) == "2024");
  CHECK(resource_add({"1Ki", "1k"}) == "2024");
  CHECK(resource_add({"1Ki", "0.5"}) == "1024500m");
  CHECK(resource_add({"1.5"}) == "1500m");
  CHECK(resource_add({"1.5Gi"}) == "1536Mi");
  CHECK(resource_add({"1.5Ki"}) == "1536");
  CHECK(resource_add({"0.5Mi"}) == "512Ki");
  CHECK(resource_add({"1024Mi"}) == "1Gi");
  CHECK(resource_add({"1000"}) == "1k");
  CHECK(resource_add({"1500", "500"}) == "2k");
  CHECK(resource_add({"1025", "1023"}) == "2048");
  CHECK(resource_add({"500m", "500m"}) == "1");
  CHECK(resource_add({"0.1m"}) == "100u");
  CHECK(resource_add({"0.0000000001"}) == "1n");
  CHECK(resource_add({"1e3"}) == "1e3");
  CHECK(resource_add({"1e3", "1"}) == "1001");
  CHECK(resource_add({"100e-3"}) == "100e-3");
  CHECK(resource_add({"12e-1"}) == "1200e-3");
  CHECK(resource_add({"1E6"}) == "1e6");
  CHECK(resource_add({"1Gi", "1G"}) == "2073741824");
  CHECK(resource_add({"100M", "1.2G"}) == "1300M");
  CHECK(resource_add({"100Mi", "100M"}) == "204857600");
  CHECK(resource_add({"1", "-1", "1Gi"}) == "1Gi");
  CHECK(resource_add({"0Gi", "5"}) == "5");
  CHECK(resource_add({"-100m", "50m"}) == "-50m");
  CHECK(resource_add({"1m", "1Mi"}) == "1048576001m");
  CHECK(resource_add({"3", "0.3"}) == "3300m");
  CHECK(resource_add({"1Ti", "1Gi"}) == "1025Gi");
  CHECK(resource_add({".5"}) == "500m");
  CHECK(resource_add({"01"}) == "1");
  CHECK(resource_add({"1."}) == "1");
  CHECK(resource_add({"8Ei"}) == "9223372036854775807");
  CHECK(resource_add({"9223372036854775807", "1"}) == "9223372036854775808");
  CHECK(resource_add({"1000E"}) == "1");  // Kubernetes has no suffix past E
  CHECK(resource_add({}) == "0");
  CHECK_THROWS_WITH(Quantity::parse("1K"), "unable to parse quantity's suffix");
  CHECK_THROWS_WITH(Quantity::parse("1ki"), "unable to parse quantity's suffix");
  CHECK_THROWS_WITH(Quantity::parse(" 1"),
                    "quantities must match the regular expression "
                    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

TEST_CASE("getResourceQuantity table from the reference", "[quantity]") {
  CHECK(approx("100m") == 0.1);
  CHECK(approx("1200m") == 1.2);
  CHECK(approx("1.2") == 1.2000000000000002);
  CHECK(approx("0.3") == 0.30000000000000004);
  CHECK(approx("300m") == 0.3);
  CHECK(approx("1Gi") == 1073741824.0);
  CHECK(approx("2.5Gi") == 2684354560.0);
  CHECK(approx("1.1Ki") == 1126.4);
  CHECK(approx("-1") == -1.0);  // the kube library turns negatives into an error
  CHECK(approx("1e400") == std::numeric_limits<double>::infinity());
}

TEST_CASE("Quantity parsing edge cases", "[quantity]") {
  CHECK_THROWS_WITH(Quantity::parse(""),
                    "quantities must match the regular expression "
                    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  CHECK_THROWS_WITH(Quantity::parse("1e"), "unable to parse quantity's suffix");
  CHECK_THROWS_WITH(Quantity::parse(".Ei"), "unable to parse numeric part of quantity");
  // Go's scanner accepts these as zero.
  CHECK(Quantity::parse(".").to_string() == "0");
  CHECK(Quantity::parse("k").to_string() == "0");
  CHECK(Quantity::parse("-0").to_string() == "0");
  // Canonical-looking input is kept as written, sign included.
  CHECK(Quantity::parse("+341G").to_string() == "+341G");
  CHECK(Quantity::parse("1.5k").to_string() == "1500");
  CHECK(Quantity::parse("1Ki").to_string() == "1Ki");
  CHECK(Quantity::parse("2048Ki").to_string() == "2Mi");
  CHECK(Quantity::parse("1000m").to_string() == "1");
  CHECK(Quantity::parse("0.1n").to_string() == "1n");
  CHECK(Quantity::parse("-0.1n").to_string() == "-1n");
  CHECK(Quantity::parse("1e-12").to_string() == "1e-9");
  CHECK(Quantity::parse("0.5Ki").to_string() == "512");
  CHECK(Quantity::parse("-1.5Gi").to_string() == "-1536Mi");
  CHECK(Quantity::parse("16Ei").to_string() == "9223372036854775807");
  CHECK(Quantity::parse("-16Ei").to_string() == "-9223372036854775807");
  CHECK(Quantity::parse("0.5").format() == Quantity::Format::DecimalSI);
  CHECK(Quantity::parse("0.5Ki").format() == Quantity::Format::BinarySI);
  CHECK(Quantity::parse("1e6").format() == Quantity::Format::DecimalExponent);
  CHECK(Quantity::parse("12345678901234567890123").to_string() == "12345678901234567890123");
  CHECK(Quantity::parse("1000P").to_string() == "1E");
}

TEST_CASE("Quantity arithmetic and comparison", "[quantity]") {
  Quantity a = Quantity::parse("8Ei");
  a.add(Quantity::parse("8Ei"));  // sums are not capped
  CHECK(a.to_string() == "18446744073709551614");
  Quantity b = Quantity::parse("4Ei");
  b.add(Quantity::parse("4Ei"));
  CHECK(b.to_string() == "8Ei");
  Quantity c = Quantity::parse("1E");
  c.add(Quantity::parse("1E"));
  c.add(Quantity::parse("999E"));
  CHECK(c.to_string() == "1001E");
  Quantity d;
  CHECK(d.to_string() == "0");
  d.add(Quantity::parse("0"));
  d.add(Quantity::parse("-5m"));
  CHECK(d.to_string() == "-5m");
  CHECK(d.sign() == -1);
  CHECK(Quantity::parse("1.3").compare(Quantity::parse("1300m")) == 0);
  CHECK(Quantity::parse("1.3G").compare(Quantity::parse("1300000000")) == 0);
  CHECK(Quantity::parse("1Gi").compare(Quantity::parse("1G")) == 1);
  CHECK(Quantity::parse("-1").compare(Quantity::parse("1m")) == -1);
}

TEST_CASE("Quantity integer values round up", "[quantity]") {
  CHECK(Quantity::parse("1.2").milli_value_ceil() == 1200);
  CHECK(Quantity::parse("100m").milli_value_ceil() == 100);
  CHECK(Quantity::parse("0.1m").milli_value_ceil() == 1);
  CHECK(Quantity::parse("1.2G").value_ceil() == 1200000000);
  CHECK(Quantity::parse("1.5").value_ceil() == 2);
  CHECK(Quantity::parse("1n").value_ceil() == 1);
  CHECK(Quantity::parse("0.5Mi").value_ceil() == 524288);
  CHECK(Quantity::parse("1.5Gi").milli_value_ceil() == 1610612736000);
  CHECK(Quantity::parse("5Ei").value_ceil() == 5764607523034234880);
  CHECK(Quantity::from_milli(1300, Quantity::Format::DecimalSI).to_string() == "1300m");
  CHECK(Quantity::from_milli(1000, Quantity::Format::DecimalSI).to_string() == "1");
  CHECK(Quantity::from_int(2281701376, Quantity::Format::BinarySI).to_string() == "2176Mi");
  CHECK(Quantity::from_int(1000, Quantity::Format::BinarySI).to_string() == "1k");
  CHECK(Quantity::from_int(1300000000, Quantity::Format::BinarySI).to_string() == "1300000000");
}

TEST_CASE("Quantity exponent extremes follow Go's int32 arithmetic", "[quantity]") {
  // The exponent is truncated to int32 and the scale arithmetic wraps, as in apimachinery.
  CHECK(Quantity::parse("1e4294967296").to_string() == "1e4294967296");
  CHECK(Quantity::parse("1e4294967296").approximate_float() == 1.0);
  CHECK(Quantity::parse("1e2147483647").to_string() == "10e2147483646");
  CHECK(Quantity::parse("1.5e-2147483648").to_string() == "150e2147483646");
  CHECK_THROWS_WITH(Quantity::parse("1e9223372036854775808"), "unable to parse quantity's suffix");
  CHECK(Quantity::parse("0.0000000000000000001Ei").to_string() == "115292151n");
  CHECK(Quantity::parse("-8Ei").to_string() == "-9223372036854775807");
  // Rescaling by millions of digits is refused instead of hanging.
  Quantity huge = Quantity::parse("1e100000000");
  CHECK(huge.to_string() == "10e99999999");
  CHECK_THROWS_AS(huge.add(Quantity::parse("1m")), QuantityError);
  // Past int64, with tens of thousands of factors of 10 to strip when printed (found by
  // fuzz_quantity: seconds per call while they were divided out one at a time).
  CHECK(Quantity::parse("77777777777777777777710E41777").to_string() == "7777777777777777777771e41778");
  CHECK(Quantity::parse("100000000000000000000000000e99970").to_string() == "1e99996");
  CHECK(Quantity::parse("12345678901234567890000e99990").to_string() == "12345678901234567890e99993");
}
