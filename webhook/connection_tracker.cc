#include "webhook/connection_tracker.h"

#include <sys/socket.h>

namespace cell0::webhook {
namespace {

// The connection the current worker thread serves (a worker serves one connection at a time).
thread_local int current_fd = -1;

struct Token {
  ConnectionTracker* tracker;
  int fd;
};

int ctx_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

// The free hook, registered once per process, is the only way to hear that an SSL went away;
// SSL objects without a token are ignored.
int ConnectionTracker::ssl_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &ConnectionTracker::on_free);
  return index;
}

void ConnectionTracker::on_free(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  auto* token = static_cast<Token*>(ptr);
  if (token == nullptr) return;
  token->tracker->closed(token->fd);
  delete token;
}

void ConnectionTracker::on_info(const SSL* ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_START) == 0) return;
  auto* tracker = static_cast<ConnectionTracker*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index()));
  SSL* mutable_ssl = const_cast<SSL*>(ssl);  // OpenSSL's callback type is const, ex_data setters are not
  if (tracker == nullptr || SSL_get_ex_data(mutable_ssl, ssl_index()) != nullptr) return;
  const int fd = SSL_get_fd(ssl);
  if (fd < 0) return;
  SSL_set_ex_data(mutable_ssl, ssl_index(), new Token{tracker, fd});
  current_fd = fd;
  tracker->opened(fd);
}

void ConnectionTracker::install(SSL_CTX* ctx) {
  ssl_index();  // register the free hook before the first connection
  SSL_CTX_set_ex_data(ctx, ctx_index(), this);
  SSL_CTX_set_info_callback(ctx, &ConnectionTracker::on_info);
}

void ConnectionTracker::opened(int fd) {
  std::lock_guard lock(mutex_);
  busy_[fd] = false;
}

void ConnectionTracker::closed(int fd) {
  std::lock_guard lock(mutex_);
  busy_.erase(fd);
}

void ConnectionTracker::set_busy(bool busy) {
  std::lock_guard lock(mutex_);
  if (auto it = busy_.find(current_fd); it != busy_.end()) it->second = busy;
}

void ConnectionTracker::request_started() { set_busy(true); }
void ConnectionTracker::request_finished() { set_busy(false); }

std::size_t ConnectionTracker::close_idle() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [fd, busy] : busy_) {
    if (!busy && ::shutdown(fd, SHUT_RD) == 0) ++n;
  }
  return n;
}

std::size_t ConnectionTracker::open_connections() const {
  std::lock_guard lock(mutex_);
  return busy_.size();
}

}  // namespace cell0::webhook
