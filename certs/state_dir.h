// The generated CA + serving certificate that `serve` uses when no --tls-cert is given.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "certs/generate.h"
#include "common/result.h"

namespace cell0::certs {

inline constexpr const char* kCaCertFile = "ca.crt";
inline constexpr const char* kCaKeyFile = "ca.key";  // kept so the serving cert can be renewed under the same CA
inline constexpr const char* kCertFile = "tls.crt";
inline constexpr const char* kKeyFile = "tls.key";

struct StateDirOptions {
  int ca_days = 3650;
  int cert_days = 365;
  KeyType key_type = KeyType::EcdsaP256;
  // A certificate that expires sooner than this is replaced.
  std::chrono::hours renew_before{24 * 7};
};

struct CertPaths {
  std::filesystem::path ca_cert;
  std::filesystem::path cert;
  std::filesystem::path key;
  bool generated = false;  // false: the existing files were reused
  std::chrono::system_clock::time_point not_after;
};

// Writes ca.crt, tls.crt and tls.key (0600) into dir (created 0700 when missing); ca.key
// (0600) too when the CA key is given.
common::Result<CertPaths> write_cert_dir(const std::filesystem::path& dir, const KeyPair& ca, const KeyPair& serving,
                                         bool write_ca_key);

// Reuses dir's files when they load, belong together, chain to ca.crt, cover every SAN and are
// not about to expire; else renews the serving cert under the existing CA (when ca.key is there
// and the CA is still good) or generates everything anew.
common::Result<CertPaths> ensure_state_dir_certs(const std::filesystem::path& dir, const std::vector<std::string>& sans,
                                                 const StateDirOptions& options = {});

}  // namespace cell0::certs
