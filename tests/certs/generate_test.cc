#include "certs/generate.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "certs/pem.h"

using namespace cell0::certs;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("a generated ECDSA chain verifies and carries the SANs", "[certs]") {
  auto ca = generate_ca();
  REQUIRE(ca.ok());
  CHECK(EVP_PKEY_get_base_id(ca->key.get()) == EVP_PKEY_EC);
  CHECK(X509_check_ca(ca->cert.get()) == 1);

  auto leaf = issue_certificate(*ca, {.common_name = "", .sans = {"localhost", "127.0.0.1", "::1", "svc.ns.svc"}});
  REQUIRE(leaf.ok());
  CHECK(verify_chain(ca->cert.get(), leaf->cert.get()).ok());
  CHECK(key_matches(leaf->cert.get(), leaf->key.get()));
  CHECK_FALSE(key_matches(leaf->cert.get(), ca->key.get()));
  CHECK(X509_check_ca(leaf->cert.get()) == 0);

  const auto sans = subject_alt_names(leaf->cert.get());
  CHECK(sans.size() == 4);
  CHECK(contains(sans, "localhost"));
  CHECK(contains(sans, "127.0.0.1"));
  CHECK(contains(sans, "::1"));
  CHECK(contains(sans, "svc.ns.svc"));
  CHECK(X509_check_host(leaf->cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(leaf->cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_host(leaf->cert.get(), "other.example", 0, 0, nullptr) == 0);
}

TEST_CASE("an RSA 2048 chain verifies", "[certs]") {
  auto ca = generate_ca({.common_name = "rsa-ca", .days = 30, .key_type = KeyType::Rsa2048});
  REQUIRE(ca.ok());
  CHECK(EVP_PKEY_get_base_id(ca->key.get()) == EVP_PKEY_RSA);
  CHECK(EVP_PKEY_get_bits(ca->key.get()) == 2048);
  auto leaf =
      issue_certificate(*ca, {.common_name = "svc", .sans = {"svc.ns.svc"}, .days = 10, .key_type = KeyType::Rsa2048});
  REQUIRE(leaf.ok());
  CHECK(verify_chain(ca->cert.get(), leaf->cert.get()).ok());
  CHECK(key_matches(leaf->cert.get(), leaf->key.get()));
}

TEST_CASE("a certificate from another CA does not verify", "[certs]") {
  auto ca1 = generate_ca();
  auto ca2 = generate_ca();
  REQUIRE((ca1.ok() && ca2.ok()));
  auto leaf = issue_certificate(*ca2, {.common_name = "", .sans = {"localhost"}});
  REQUIRE(leaf.ok());
  CHECK_FALSE(verify_chain(ca1->cert.get(), leaf->cert.get()).ok());
}

TEST_CASE("validity follows the requested days", "[certs]") {
  auto ca = generate_ca({.common_name = "ca", .days = 100});
  REQUIRE(ca.ok());
  auto leaf = issue_certificate(*ca, {.common_name = "", .sans = {"localhost"}, .days = 10});
  REQUIRE(leaf.ok());
  const auto left = not_after(leaf->cert.get()) - std::chrono::system_clock::now();
  CHECK(left > std::chrono::hours(24 * 10 - 1));
  CHECK(left <= std::chrono::hours(24 * 10));
  CHECK(not_after(ca->cert.get()) - std::chrono::system_clock::now() > std::chrono::hours(24 * 99));
}

TEST_CASE("a bad SAN is refused with its name", "[certs]") {
  auto ca = generate_ca();
  REQUIRE(ca.ok());
  auto leaf = issue_certificate(*ca, {.common_name = "", .sans = {"bad name,DNS:evil"}});
  REQUIRE_FALSE(leaf.ok());
  CHECK(leaf.error().message.find("bad name,DNS:evil") != std::string::npos);
}

TEST_CASE("PEM round trip keeps the certificate and key", "[certs]") {
  auto ca = generate_ca();
  REQUIRE(ca.ok());
  auto cert = parse_certificate(to_pem(ca->cert.get()));
  auto key = parse_private_key(to_pem(ca->key.get()));
  REQUIRE((cert.ok() && key.ok()));
  CHECK(X509_cmp(cert->get(), ca->cert.get()) == 0);
  CHECK(key_matches(cert->get(), key->get()));
  CHECK_FALSE(parse_certificate("not pem").ok());
}
