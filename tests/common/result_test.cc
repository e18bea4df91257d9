#include "common/result.h"

#include <filesystem>

#include <catch2/catch.hpp>

#include "common/yaml_json.h"

using cell0::common::Error;
using cell0::common::ErrorKind;
using cell0::common::Result;

TEST_CASE("an error's text puts the HTTP status and reason before the message", "[result]") {
  CHECK(Error{ErrorKind::Config, "bad field"}.text() == "bad field");
  CHECK(Error{ErrorKind::Api, "stale", 409, "Conflict"}.text() == "HTTP 409 Conflict: stale");
  CHECK(Error{ErrorKind::Api, "", 404, ""}.text() == "HTTP 404");
  CHECK(Error{ErrorKind::Timeout, "no answer", 0, "Timeout"}.text() == "Timeout: no answer");
}

TEST_CASE("with_prefix keeps everything but the message", "[result]") {
  const Error e = Error{ErrorKind::Api, "gone", 410, "Expired"}.with_prefix("list: ");
  CHECK(e.kind == ErrorKind::Api);
  CHECK(e.message == "list: gone");
  CHECK(e.http_status == 410);
  CHECK(e.reason == "Expired");
}

TEST_CASE("a Result holds a value or an error", "[result]") {
  const Result<int> value = 3;
  REQUIRE(value.ok());
  CHECK(*value == 3);
  const Result<int> error = Error{ErrorKind::Invalid, "no"};
  REQUIRE_FALSE(error);
  CHECK(error.error().message == "no");
  CHECK(cell0::common::error_kind_name(ErrorKind::NoHook) == "NoHook");
}

TEST_CASE("YAML errors come back as values naming the line or the file", "[result][yaml]") {
  const auto bad = cell0::common::parse_yaml_documents("a: [\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::Invalid);
  CHECK(bad.error().message.starts_with("line "));
  const auto missing = cell0::common::load_yaml_file("/nonexistent/cell0.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::Io);
  CHECK(missing.error().message == "/nonexistent/cell0.yaml: cannot read file");
}
