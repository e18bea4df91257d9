// The serving certificate and key of the HTTPS server, swappable while it runs: the SSL_CTX asks
// for them per handshake (SSL_CTX_set_cert_cb), so reloading needs no new SSL_CTX and no lock
// held across a handshake.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include <openssl/ssl.h>

#include "certs/generate.h"
#include "common/result.h"

namespace cell0::webhook {

class TlsCredentials {
 public:
  TlsCredentials(std::filesystem::path cert_file, std::filesystem::path key_file);
  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

  // Reads the files again; on failure the previous pair stays in use.
  common::Result<common::Done> reload();
  // Makes ctx serve the current pair. This object must outlive ctx.
  void install(SSL_CTX* ctx);

  const std::filesystem::path& cert_file() const { return cert_file_; }
  const std::filesystem::path& key_file() const { return key_file_; }

 private:
  struct Identity;
  static int select_certificate(SSL* ssl, void* self);
  std::shared_ptr<const Identity> current() const;

  std::filesystem::path cert_file_;
  std::filesystem::path key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Identity> identity_;
};

}  // namespace cell0::webhook
