#include "common/base64.h"

#include <catch2/catch.hpp>

using cell0::common::base64_decode;
using cell0::common::base64_encode;

// The test vectors of RFC 4648 §10.
TEST_CASE("base64 matches RFC 4648's test vectors both ways", "[base64]") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::string(plain));
  }
}

TEST_CASE("base64 carries bytes that are not text", "[base64]") {
  const std::string bytes("\x00\xff\x10\x80", 4);
  CHECK(base64_encode(bytes) == "AP8QgA==");
  CHECK(base64_decode("AP8QgA==") == bytes);
}

TEST_CASE("base64 refuses malformed input", "[base64]") {
  CHECK_FALSE(base64_decode("abc").has_value());   // not a multiple of 4
  CHECK_FALSE(base64_decode("ab!d").has_value());  // outside the alphabet
}
