#include "certs/generate.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>

namespace cell0::certs {

using common::Error;
using common::ErrorKind;
using common::Result;

namespace {

// Backdate notBefore so a peer whose clock lags a little still accepts a fresh certificate.
constexpr long kBackdateSeconds = 60L * 60L;

Error ssl_error(const std::string& what) { return Error{ErrorKind::Tls, what + ": " + openssl_error_text()}; }

bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

bool set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return false;
  bytes[0] &= 0x7f;  // serial numbers must be positive
  BIGNUM* bn = BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr);
  if (bn == nullptr) return false;
  const bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  return ok;
}

bool set_common_name(X509_NAME* name, const std::string& cn) {
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                    -1, 0) == 1;
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Result<GeneralNamesPtr> build_sans(const std::vector<std::string>& sans) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return ssl_error("allocating SANs");
  for (const auto& san : sans) {
    std::array<unsigned char, 16> ip{};
    int ip_len = 0;
    if (inet_pton(AF_INET, san.c_str(), ip.data()) == 1) {
      ip_len = 4;
    } else if (inet_pton(AF_INET6, san.c_str(), ip.data()) == 1) {
      ip_len = 16;
    } else if (!is_dns_name(san)) {
      return Error{ErrorKind::Invalid,
                   "invalid subject alternative name \"" + san + "\": not an IP address or DNS name"};
    }
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (gen == nullptr) return ssl_error("allocating SAN");
    if (ip_len > 0) {
      ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(os, ip.data(), ip_len);
      GENERAL_NAME_set0_value(gen, GEN_IPADD, os);
    } else {
      ASN1_IA5STRING* s = ASN1_IA5STRING_new();
      ASN1_STRING_set(s, san.data(), static_cast<int>(san.size()));
      GENERAL_NAME_set0_value(gen, GEN_DNS, s);
    }
    sk_GENERAL_NAME_push(names.get(), gen);
  }
  return names;
}

// Fills the fields every certificate here shares: version 3, serial, validity, subject, key.
bool init_cert(X509* cert, const std::string& cn, int days, EVP_PKEY* key) {
  return X509_set_version(cert, X509_VERSION_3) == 1 && set_random_serial(cert) &&
         X509_gmtime_adj(X509_getm_notBefore(cert), -kBackdateSeconds) != nullptr &&
         X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, nullptr) != nullptr &&
         set_common_name(X509_get_subject_name(cert), cn) && X509_set_pubkey(cert, key) == 1;
}

}  // namespace

std::string openssl_error_text() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!text.empty()) text += "; ";
    text += buf.data();
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

Result<EvpPkeyPtr> generate_key(KeyType type) {
  EVP_PKEY* key = type == KeyType::Rsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (key == nullptr) return ssl_error("generating key");
  return EvpPkeyPtr(key);
}

Result<KeyPair> generate_ca(const CaOptions& options) {
  auto key = generate_key(options.key_type);
  if (!key) return key.error();
  X509Ptr cert(X509_new());
  if (!cert || !init_cert(cert.get(), options.common_name, options.days, key->get()) ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1 ||
      !add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(cert.get(), key->get(), EVP_sha256()) == 0) {
    return ssl_error("creating CA certificate");
  }
  return KeyPair{std::move(cert), std::move(*key)};
}

Result<KeyPair> issue_certificate(const KeyPair& ca, const CertOptions& options) {
  if (options.sans.empty() && options.common_name.empty()) {
    return Error{ErrorKind::Invalid, "a certificate needs a common name or at least one subject alternative name"};
  }
  auto sans = build_sans(options.sans);
  if (!sans) return sans.error();
  auto key = generate_key(options.key_type);
  if (!key) return key.error();
  const std::string cn = options.common_name.empty() ? options.sans.front() : options.common_name;
  const bool rsa = options.key_type == KeyType::Rsa2048;
  const char* key_usage = rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature";
  const char* ext_usage = options.usage == Usage::Server ? "serverAuth" : "clientAuth";
  X509Ptr cert(X509_new());
  if (!cert || !init_cert(cert.get(), cn, options.days, key->get()) ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get())) != 1 ||
      !add_ext(cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), ca.cert.get(), NID_key_usage, key_usage) ||
      !add_ext(cert.get(), ca.cert.get(), NID_ext_key_usage, ext_usage) ||
      !add_ext(cert.get(), ca.cert.get(), NID_subject_key_identifier, "hash") ||
      !add_ext(cert.get(), ca.cert.get(), NID_authority_key_identifier, "keyid:always") ||
      (!options.sans.empty() &&
       X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans->get(), 0, X509V3_ADD_DEFAULT) != 1) ||
      X509_sign(cert.get(), ca.key.get(), EVP_sha256()) == 0) {
    return ssl_error("issuing certificate for " + cn);
  }
  return KeyPair{std::move(cert), std::move(*key)};
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, i);
    if (gen->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gen->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (gen->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* os = gen->d.iPAddress;
      std::array<char, INET6_ADDRSTRLEN> buf{};
      const int len = ASN1_STRING_length(os);
      const int family = len == 4 ? AF_INET : AF_INET6;
      if ((len == 4 || len == 16) && inet_ntop(family, ASN1_STRING_get0_data(os), buf.data(), buf.size()) != nullptr) {
        out.emplace_back(buf.data());
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace cell0::certs
