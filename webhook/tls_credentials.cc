#include "webhook/tls_credentials.h"

#include "certs/pem.h"

namespace cell0::webhook {

struct TlsCredentials::Identity {
  certs::KeyPair pair;
  STACK_OF(X509) * chain = nullptr;  // intermediates after the leaf in the cert file
  Identity() = default;
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;
  ~Identity() { sk_X509_pop_free(chain, X509_free); }
};

TlsCredentials::TlsCredentials(std::filesystem::path cert_file, std::filesystem::path key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

TlsCredentials::~TlsCredentials() = default;

common::Result<common::Done> TlsCredentials::reload() {
  auto certs_in_file = certs::load_certificates(cert_file_);
  if (!certs_in_file) return certs_in_file.error();
  auto key = certs::load_private_key(key_file_);
  if (!key) return key.error();
  auto& list = *certs_in_file;
  if (!certs::key_matches(list.front().get(), key->get())) {
    return common::Error{common::ErrorKind::Tls,
                         "private key " + key_file_.string() + " does not match certificate " + cert_file_.string()};
  }
  auto identity = std::make_shared<Identity>();
  identity->chain = sk_X509_new_null();
  for (std::size_t i = 1; i < list.size(); ++i) sk_X509_push(identity->chain, list[i].release());
  identity->pair = certs::KeyPair{std::move(list.front()), std::move(*key)};
  std::lock_guard lock(mutex_);
  identity_ = std::move(identity);
  return common::Done{};
}

std::shared_ptr<const TlsCredentials::Identity> TlsCredentials::current() const {
  std::lock_guard lock(mutex_);
  return identity_;
}

void TlsCredentials::install(SSL_CTX* ctx) { SSL_CTX_set_cert_cb(ctx, &TlsCredentials::select_certificate, this); }

int TlsCredentials::select_certificate(SSL* ssl, void* self) {
  const auto identity = static_cast<TlsCredentials*>(self)->current();
  if (!identity) return 0;
  // SSL_use_cert_and_key takes its own references, so the snapshot may go away after this.
  return SSL_use_cert_and_key(ssl, identity->pair.cert.get(), identity->pair.key.get(), identity->chain, 1);
}

}  // namespace cell0::webhook
