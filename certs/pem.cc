#include "certs/pem.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <openssl/err.h>
#include <openssl/pem.h>

namespace cell0::certs {

using common::Done;
using common::Error;
using common::ErrorKind;
using common::Result;

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

BioPtr mem_bio(const std::string& text) { return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

Result<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorKind::Io, "cannot read " + file.string() + ": " + std::strerror(errno)};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bio_text(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

Result<X509Ptr> parse_certificate(const std::string& pem) {
  BioPtr bio = mem_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Error{ErrorKind::Tls, "no PEM certificate: " + openssl_error_text()};
  return cert;
}

Result<EvpPkeyPtr> parse_private_key(const std::string& pem) {
  BioPtr bio = mem_bio(pem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Error{ErrorKind::Tls, "no PEM private key: " + openssl_error_text()};
  return key;
}

Result<X509Ptr> load_certificate(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return text.error();
  auto cert = parse_certificate(*text);
  if (!cert) return cert.error().with_prefix(file.string() + ": ");
  return cert;
}

Result<std::vector<X509Ptr>> load_certificates(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return text.error();
  BioPtr bio = mem_bio(*text);
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(cert);
  ERR_clear_error();  // the read past the last certificate leaves a "no start line" error
  if (certs.empty()) return Error{ErrorKind::Tls, file.string() + ": no PEM certificate"};
  return certs;
}

Result<EvpPkeyPtr> load_private_key(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return text.error();
  auto key = parse_private_key(*text);
  if (!key) return key.error().with_prefix(file.string() + ": ");
  return key;
}

Result<KeyPair> load_key_pair(const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
  auto cert = load_certificate(cert_file);
  if (!cert) return cert.error();
  auto key = load_private_key(key_file);
  if (!key) return key.error();
  if (!key_matches(cert->get(), key->get())) {
    return Error{ErrorKind::Tls,
                 "private key " + key_file.string() + " does not match certificate " + cert_file.string()};
  }
  return KeyPair{std::move(*cert), std::move(*key)};
}

Result<Done> write_file_atomic(const std::filesystem::path& file, const std::string& content,
                               std::filesystem::perms mode) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  const auto mode_bits = static_cast<mode_t>(mode);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_bits);
  if (fd < 0) return Error{ErrorKind::Io, "cannot create " + tmp.string() + ": " + std::strerror(errno)};
  bool ok = ::fchmod(fd, mode_bits) == 0;  // the umask may have narrowed or the file pre-existed
  std::size_t written = 0;
  while (ok && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const std::string reason = std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    return Error{ErrorKind::Io, "cannot write " + file.string() + ": " + reason};
  }
  return Done{};
}

std::chrono::system_clock::time_point not_after(X509* cert) {
  std::tm tm{};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Result<std::chrono::system_clock::time_point> read_not_after(const std::filesystem::path& cert_file) {
  auto cert = load_certificate(cert_file);
  if (!cert) return cert.error();
  return not_after(cert->get());
}

bool key_matches(X509* cert, EVP_PKEY* key) {
  const bool ok = X509_check_private_key(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

Result<Done> verify_chain(X509* ca, X509* cert) {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1) {
    return Error{ErrorKind::Tls, "cannot set up verification: " + openssl_error_text()};
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    return Error{ErrorKind::Tls, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))};
  }
  return Done{};
}

}  // namespace cell0::certs
