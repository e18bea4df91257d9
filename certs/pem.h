// PEM encoding, certificate files and the checks done before reusing them.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "certs/generate.h"
#include "common/result.h"

namespace cell0::certs {

std::string to_pem(X509* cert);
std::string to_pem(EVP_PKEY* key);  // PKCS#8, unencrypted

common::Result<X509Ptr> parse_certificate(const std::string& pem);
common::Result<EvpPkeyPtr> parse_private_key(const std::string& pem);

common::Result<X509Ptr> load_certificate(const std::filesystem::path& file);
// Every certificate in a PEM bundle (the leaf first, then intermediates).
common::Result<std::vector<X509Ptr>> load_certificates(const std::filesystem::path& file);
common::Result<EvpPkeyPtr> load_private_key(const std::filesystem::path& file);
// Loads a certificate and its key and checks that they belong together.
common::Result<KeyPair> load_key_pair(const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

// Writes through a temporary file and a rename, so a reader never sees half a file.
// mode applies to the final file regardless of the umask (0600 for keys).
common::Result<common::Done> write_file_atomic(const std::filesystem::path& file, const std::string& content,
                                               std::filesystem::perms mode);

std::chrono::system_clock::time_point not_after(X509* cert);
common::Result<std::chrono::system_clock::time_point> read_not_after(const std::filesystem::path& cert_file);

bool key_matches(X509* cert, EVP_PKEY* key);
// X509_verify_cert of `cert` against a store holding only `ca`; the error names the reason.
common::Result<common::Done> verify_chain(X509* ca, X509* cert);

}  // namespace cell0::certs
