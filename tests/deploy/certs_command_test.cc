// `cell0-webhook certs generate` as an operator runs it.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "certs/pem.h"
#include "cli/certs_command.h"
#include "common/base64.h"
#include "tests/certs/temp_dir.h"
#include "tests/deploy/process.h"

using namespace cell0::testing;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

CommandResult generate(const fs::path& out, const std::string& extra = {}) {
  return run_command(shell_quote(CELL0_BINARY) +
                         " certs generate --service cell0-webhook --namespace karmada-system --out " +
                         shell_quote(out.string()) + " " + extra + " 2>/dev/null",
                     false);
}

}  // namespace

TEST_CASE("certs generate writes a CA and a serving certificate for the Service names", "[certs-command]") {
  TempDir tmp;
  const fs::path out = tmp.path() / "certs";
  const CommandResult first = generate(out);
  REQUIRE(first.status == 0);
  // stdout is the caBundle alone, ready for a registration.
  CHECK(first.output == cell0::common::base64_encode(read_file(out / "ca.crt")) + "\n");

  auto pair = cell0::certs::load_key_pair(out / "tls.crt", out / "tls.key");
  auto ca = cell0::certs::load_key_pair(out / "ca.crt", out / "ca.key");
  REQUIRE(pair.ok());
  REQUIRE(ca.ok());
  CHECK(cell0::certs::verify_chain(ca->cert.get(), pair->cert.get()).ok());
  CHECK(cell0::certs::subject_alt_names(pair->cert.get()) ==
        std::vector<std::string>{"cell0-webhook", "cell0-webhook.karmada-system", "cell0-webhook.karmada-system.svc",
                                 "cell0-webhook.karmada-system.svc.cluster.local"});
  CHECK((fs::status(out / "tls.key").permissions() & fs::perms::others_read) == fs::perms::none);
  CHECK((fs::status(out / "ca.key").permissions() & fs::perms::others_read) == fs::perms::none);
  const auto days = std::chrono::duration_cast<std::chrono::hours>(cell0::certs::not_after(pair->cert.get()) -
                                                                   std::chrono::system_clock::now())
                        .count() /
                    24;
  CHECK(days >= 364);
  CHECK(days <= 365);

  SECTION("running it again renews the serving certificate under the same CA") {
    const std::string old_cert = read_file(out / "tls.crt");
    const CommandResult again = generate(out, "--days 30 --key rsa");
    REQUIRE(again.status == 0);
    CHECK(again.output == first.output);  // same caBundle
    CHECK(read_file(out / "tls.crt") != old_cert);
    auto renewed = cell0::certs::load_key_pair(out / "tls.crt", out / "tls.key");
    REQUIRE(renewed.ok());
    CHECK(EVP_PKEY_base_id(renewed->key.get()) == EVP_PKEY_RSA);
    CHECK(cell0::certs::verify_chain(ca->cert.get(), renewed->cert.get()).ok());
  }
}

TEST_CASE("certs generate refuses bad input with one line", "[certs-command]") {
  TempDir tmp;
  auto run = [&](const std::string& args) {
    return run_command(shell_quote(CELL0_BINARY) + " certs generate " + args + " 2>&1");
  };
  auto bad_name = run("--service Bad_Name --namespace ns --out " + shell_quote((tmp.path() / "a").string()));
  CHECK(bad_name.status == 1);
  CHECK_THAT(bad_name.output, Catch::Contains("not a valid Service name"));
  auto bad_key = run("--service s --namespace ns --key dsa --out " + shell_quote((tmp.path() / "b").string()));
  CHECK(bad_key.status != 0);
  auto missing = run("--service s --out x");
  CHECK(missing.status != 0);
  CHECK_THAT(missing.output, Catch::Contains("--namespace"));

  // A lone CA file is not silently replaced: the registered caBundle may depend on it.
  fs::create_directories(tmp.path() / "c");
  std::ofstream(tmp.path() / "c" / "ca.crt") << "x";
  auto lone = run("--service s --namespace ns --out " + shell_quote((tmp.path() / "c").string()));
  CHECK(lone.status == 1);
  CHECK_THAT(lone.output, Catch::Contains("only one of ca.crt and ca.key"));
}

TEST_CASE("service DNS names", "[certs-command]") {
  CHECK(cell0::cli::service_dns_names("a", "b") ==
        std::vector<std::string>{"a", "a.b", "a.b.svc", "a.b.svc.cluster.local"});
}
