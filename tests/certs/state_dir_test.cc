#include "certs/state_dir.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "certs/pem.h"
#include "temp_dir.h"

using namespace cell0::certs;
using cell0::testing::TempDir;

namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777u;
}

}  // namespace

TEST_CASE("ensure_state_dir_certs generates a verifying chain with private key files", "[certs]") {
  TempDir tmp;
  const auto dir = tmp.path() / "state";
  auto paths = ensure_state_dir_certs(dir, {"localhost", "127.0.0.1"});
  REQUIRE(paths.ok());
  CHECK(paths->generated);
  CHECK(mode_of(dir) == 0700u);
  CHECK(mode_of(dir / "tls.key") == 0600u);
  CHECK(mode_of(dir / "ca.key") == 0600u);
  CHECK(mode_of(dir / "tls.crt") == 0644u);

  auto ca = load_certificate(paths->ca_cert);
  auto pair = load_key_pair(paths->cert, paths->key);
  REQUIRE((ca.ok() && pair.ok()));
  CHECK(verify_chain(ca->get(), pair->cert.get()).ok());
  auto expiry = read_not_after(paths->cert);
  REQUIRE(expiry.ok());
  CHECK(*expiry == paths->not_after);
}

TEST_CASE("ensure_state_dir_certs reuses valid files", "[certs]") {
  TempDir tmp;
  auto first = ensure_state_dir_certs(tmp.path(), {"localhost"});
  REQUIRE(first.ok());
  const auto pem = to_pem(load_certificate(first->cert)->get());
  auto second = ensure_state_dir_certs(tmp.path(), {"localhost"});
  REQUIRE(second.ok());
  CHECK_FALSE(second->generated);
  CHECK(to_pem(load_certificate(second->cert)->get()) == pem);
}

TEST_CASE("ensure_state_dir_certs renews under the same CA when a SAN is missing", "[certs]") {
  TempDir tmp;
  REQUIRE(ensure_state_dir_certs(tmp.path(), {"localhost"}).ok());
  const auto ca_pem = to_pem(load_certificate(tmp.path() / "ca.crt")->get());
  auto again = ensure_state_dir_certs(tmp.path(), {"localhost", "webhook.example"});
  REQUIRE(again.ok());
  CHECK(again->generated);
  CHECK(to_pem(load_certificate(tmp.path() / "ca.crt")->get()) == ca_pem);
  auto cert = load_certificate(again->cert);
  REQUIRE(cert.ok());
  CHECK(subject_alt_names(cert->get()).size() == 2);
}

TEST_CASE("ensure_state_dir_certs regenerates expiring or broken files", "[certs]") {
  TempDir tmp;
  StateDirOptions short_lived;
  short_lived.cert_days = 1;
  short_lived.ca_days = 1;
  REQUIRE(ensure_state_dir_certs(tmp.path(), {"localhost"}, short_lived).ok());
  const auto old_ca = to_pem(load_certificate(tmp.path() / "ca.crt")->get());
  // With the default one-week renewal window both one-day certificates count as expiring.
  auto renewed = ensure_state_dir_certs(tmp.path(), {"localhost"});
  REQUIRE(renewed.ok());
  CHECK(renewed->generated);
  CHECK(to_pem(load_certificate(tmp.path() / "ca.crt")->get()) != old_ca);

  std::filesystem::remove(tmp.path() / "tls.key");
  auto regenerated = ensure_state_dir_certs(tmp.path(), {"localhost"});
  REQUIRE(regenerated.ok());
  CHECK(regenerated->generated);
  CHECK(load_key_pair(regenerated->cert, regenerated->key).ok());
}

TEST_CASE("a key that does not match its certificate is reported", "[certs]") {
  TempDir tmp;
  REQUIRE(ensure_state_dir_certs(tmp.path(), {"localhost"}).ok());
  auto pair = load_key_pair(tmp.path() / "tls.crt", tmp.path() / "ca.key");
  REQUIRE_FALSE(pair.ok());
  CHECK(pair.error().message.find("does not match") != std::string::npos);
}
