#include "lua/go_format.h"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

using cell0::lua::go_json_number;
using cell0::lua::go_lua_format_d_for_test;
using cell0::lua::go_lua_format_s_for_test;
using cell0::lua::go_lua_number_string;

TEST_CASE("gopher-lua number text matches every lua-numbers vector", "[go_format]") {
  std::ifstream in(CELL0_SHARED_DIR "/conformance/lua-numbers/vectors.jsonl");
  if (!in) {
    WARN("lua-numbers/vectors.jsonl not found; skipping");
    return;
  }
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto v = nlohmann::json::parse(line);
    const auto bits = std::stoull(v.at("float64_bits").get<std::string>(), nullptr, 16);
    const double x = std::bit_cast<double>(static_cast<std::uint64_t>(bits));
    INFO(line);
    CHECK(go_lua_number_string(x) == v.at("tostring").get<std::string>());
    CHECK("v=" + go_lua_number_string(x) == v.at("concat").get<std::string>());
    CHECK(go_lua_format_d_for_test(x) == v.at("format_d").get<std::string>());
    CHECK(go_lua_format_s_for_test(x) == v.at("format_s").get<std::string>());
    ++count;
  }
  CHECK(count > 600);
}

TEST_CASE("gopher-lua number text: reference examples and specials", "[go_format]") {
  CHECK(go_lua_number_string(0.1 + 0.2) == "0.30000000000000004");
  CHECK(go_lua_number_string(7.0 / 2) == "3.5");
  CHECK(go_lua_number_string(6.0 / 2) == "3");
  CHECK(go_lua_number_string(999999.5) == "999999.5");
  CHECK(go_lua_number_string(1000000.5) == "1.0000005e+06");
  CHECK(go_lua_number_string(0.0001) == "0.0001");
  CHECK(go_lua_number_string(0.00001) == "1e-05");
  CHECK(go_lua_number_string(1e20) == "1e+20");
  CHECK(go_lua_number_string(1e300) == "1e+300");
  CHECK(go_lua_number_string(std::pow(2.0, 63)) == "9.223372036854776e+18");
  CHECK(go_lua_number_string(-std::pow(2.0, 63)) == "-9223372036854775808");
  CHECK(go_lua_number_string(1e15) == "1000000000000000");
  CHECK(go_lua_number_string(-0.0) == "0");
  CHECK(go_lua_number_string(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(go_lua_number_string(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(go_lua_number_string(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(go_lua_format_d_for_test(3.7) == "3");
  CHECK(go_lua_format_d_for_test(-3.7) == "-3");
  CHECK(go_lua_format_d_for_test(std::numeric_limits<double>::quiet_NaN()) == "-9223372036854775808");
  CHECK(go_lua_format_d_for_test(1e20) == "-9223372036854775808");
}

TEST_CASE("Go encoding/json float64 text", "[go_format]") {
  CHECK(go_json_number(3) == "3");
  CHECK(go_json_number(0.5) == "0.5");
  CHECK(go_json_number(1e21) == "1e+21");
  CHECK(go_json_number(1e-7) == "1e-7");
  CHECK(go_json_number(1e-6) == "0.000001");
  CHECK(go_json_number(100000000000000000000.0) == "100000000000000000000");
  CHECK(go_json_number(1.5e300) == "1.5e+300");
  CHECK(go_json_number(-0.0) == "-0");
  CHECK(go_json_number(0.0) == "0");
  CHECK(go_json_number(123456789.123) == "123456789.123");
  CHECK(go_json_number(-2.5e-10) == "-2.5e-10");
  CHECK(go_json_number(1.25e-100) == "1.25e-100");
  CHECK_THROWS_WITH(go_json_number(std::numeric_limits<double>::quiet_NaN()), "json: unsupported value: NaN");
  CHECK_THROWS_WITH(go_json_number(-std::numeric_limits<double>::infinity()), "json: unsupported value: -Inf");
}
