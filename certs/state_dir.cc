#include "certs/state_dir.h"

#include <algorithm>
#include <system_error>

#include "certs/pem.h"

namespace cell0::certs {

using common::Error;
using common::ErrorKind;
using common::Result;

namespace {

namespace fs = std::filesystem;
constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;
constexpr auto kPublic = kPrivate | fs::perms::group_read | fs::perms::others_read;

bool fresh(X509* cert, const StateDirOptions& options) {
  return not_after(cert) > std::chrono::system_clock::now() + options.renew_before;
}

bool covers(X509* cert, const std::vector<std::string>& sans) {
  const auto have = subject_alt_names(cert);
  return std::all_of(sans.begin(), sans.end(),
                     [&](const std::string& s) { return std::find(have.begin(), have.end(), s) != have.end(); });
}

// The CA from dir when it is usable for issuing, else nothing.
Result<KeyPair> reusable_ca(const fs::path& dir, const StateDirOptions& options) {
  auto ca = load_key_pair(dir / kCaCertFile, dir / kCaKeyFile);
  if (!ca) return ca.error();
  if (!fresh(ca->cert.get(), options)) return Error{ErrorKind::Tls, "CA certificate expires soon"};
  return ca;
}

CertPaths paths_of(const fs::path& dir, X509* cert, bool generated) {
  return CertPaths{dir / kCaCertFile, dir / kCertFile, dir / kKeyFile, generated, not_after(cert)};
}

}  // namespace

Result<CertPaths> write_cert_dir(const fs::path& dir, const KeyPair& ca, const KeyPair& serving, bool write_ca_key) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return Error{ErrorKind::Io, "cannot create " + dir.string() + ": " + ec.message()};
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  // The key goes first: a reader that sees the new tls.crt must find its key.
  const std::pair<fs::path, std::pair<std::string, fs::perms>> files[] = {
      {dir / kKeyFile, {to_pem(serving.key.get()), kPrivate}},
      {dir / kCertFile, {to_pem(serving.cert.get()), kPublic}},
      {dir / kCaCertFile, {to_pem(ca.cert.get()), kPublic}},
  };
  for (const auto& [path, content] : files) {
    auto written = write_file_atomic(path, content.first, content.second);
    if (!written) return written.error();
  }
  if (write_ca_key) {
    auto written = write_file_atomic(dir / kCaKeyFile, to_pem(ca.key.get()), kPrivate);
    if (!written) return written.error();
  }
  return paths_of(dir, serving.cert.get(), true);
}

Result<CertPaths> ensure_state_dir_certs(const fs::path& dir, const std::vector<std::string>& sans,
                                         const StateDirOptions& options) {
  auto ca_cert = load_certificate(dir / kCaCertFile);
  auto serving = load_key_pair(dir / kCertFile, dir / kKeyFile);
  if (ca_cert && serving && fresh(ca_cert->get(), options) && fresh(serving->cert.get(), options) &&
      covers(serving->cert.get(), sans) && verify_chain(ca_cert->get(), serving->cert.get())) {
    return paths_of(dir, serving->cert.get(), false);
  }

  CertOptions leaf{
      .common_name = "", .sans = sans, .days = options.cert_days, .key_type = options.key_type, .usage = Usage::Server};
  if (auto ca = reusable_ca(dir, options)) {
    auto issued = issue_certificate(*ca, leaf);
    if (!issued) return issued.error();
    return write_cert_dir(dir, *ca, *issued, false);
  }
  auto ca =
      generate_ca(CaOptions{.common_name = "cell0-webhook-ca", .days = options.ca_days, .key_type = options.key_type});
  if (!ca) return ca.error();
  auto issued = issue_certificate(*ca, leaf);
  if (!issued) return issued.error();
  return write_cert_dir(dir, *ca, *issued, true);
}

}  // namespace cell0::certs
