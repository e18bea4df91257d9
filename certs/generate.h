// Key and certificate generation: a self-signed CA and certificates it signs.
#pragma once

#include <string>
#include <vector>

#include "certs/openssl_ptr.h"
#include "common/result.h"

namespace cell0::certs {

enum class KeyType { EcdsaP256, Rsa2048 };

// A certificate with its private key.
struct KeyPair {
  X509Ptr cert;
  EvpPkeyPtr key;
};

struct CaOptions {
  std::string common_name = "cell0-webhook-ca";
  int days = 3650;
  KeyType key_type = KeyType::EcdsaP256;
};

enum class Usage { Server, Client };

struct CertOptions {
  std::string common_name;
  // Subject alternative names: an entry that parses as an IPv4/IPv6 address becomes an IP SAN,
  // anything else a DNS SAN (checked for DNS characters).
  std::vector<std::string> sans;
  int days = 365;
  KeyType key_type = KeyType::EcdsaP256;
  Usage usage = Usage::Server;
};

common::Result<EvpPkeyPtr> generate_key(KeyType type);
common::Result<KeyPair> generate_ca(const CaOptions& options = {});
// Issues a leaf certificate signed by `ca`. common_name defaults to the first SAN.
common::Result<KeyPair> issue_certificate(const KeyPair& ca, const CertOptions& options);

// The DNS and IP SANs of a certificate, IPs in their usual text form.
std::vector<std::string> subject_alt_names(X509* cert);

// The last OpenSSL error queue entries as text (clears the queue).
std::string openssl_error_text();

}  // namespace cell0::certs
