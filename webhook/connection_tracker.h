// Knows the server's open TLS connections and which of them are between requests, so that a
// stopping server can close idle keep-alive connections at once instead of waiting out their
// keep-alive timeout (the apiserver keeps reusing them), while requests in flight finish.
//
// httplib does not expose its sockets, but every connection passes through OpenSSL: the SSL_CTX
// info callback sees each handshake start (on the worker thread that will serve the
// connection), and ex_data on the SSL object tells when it is freed, before its socket closes.
#pragma once

#include <map>
#include <mutex>

#include <openssl/ssl.h>

namespace cell0::webhook {

class ConnectionTracker {
 public:
  // This object must outlive ctx.
  void install(SSL_CTX* ctx);
  // On a worker thread, around one request (pre- and post-routing).
  void request_started();
  void request_finished();
  // Shuts the reading side of every idle connection: its worker sees end-of-stream and closes it.
  std::size_t close_idle();
  std::size_t open_connections() const;

 private:
  static void on_info(const SSL* ssl, int where, int ret);
  static void on_free(void* parent, void* ptr, CRYPTO_EX_DATA* ad, int idx, long argl, void* argp);
  static int ssl_index();
  void opened(int fd);
  void closed(int fd);
  void set_busy(bool busy);

  mutable std::mutex mutex_;
  std::map<int, bool> busy_;  // fd -> a request is being handled
};

}  // namespace cell0::webhook
