// Keeps hostile or stuck clients from holding the server's worker threads (issue 8).
//
// httplib 0.11.4 serves each connection on one worker of the task queue we give it, and only
// bounds each single read by the read timeout: a client that sends one header byte every few
// seconds, or trickles a body, keeps its worker forever, and a few idle keep-alive connections
// occupy every worker while new connections wait in the queue. httplib does not expose its
// sockets, so the guard sees connections through the hooks we do own:
//   - the task queue (ConnectionGuard::new_task_queue): which worker runs a connection, how many
//     connections wait, and a cap on both together (excess ones are refused at once);
//   - OpenSSL on the SSL_CTX: the info callback gives the socket at handshake start and the end
//     of the handshake, the message callback every TLS record read (so the bytes a client sends
//     before its request headers are complete), and ex_data freed with the SSL tells that the
//     socket is about to be closed (httplib frees the SSL before closing its socket);
//   - the pre/post-routing handlers and the body reader: request phases.
// A watchdog thread closes connections past their phase deadline: the TLS handshake and the
// first request's headers within header_timeout of the worker picking the connection up, a later
// request's headers within header_timeout of its first byte, the whole body within body_timeout,
// and writing the response plus the keep-alive wait within idle_timeout + header_timeout.
// When every worker is busy and connections wait, idle connections (between requests, or
// connected without sending anything) are shed, oldest first.
//
// Closing: the socket's descriptor is first pointed at /dev/null (dup2), then the original socket
// is shut down and released. The worker wakes up, its next read sees end of file and its writes
// vanish, so it cannot keep reading bytes the client still sends. All of it happens under the
// guard's mutex while the SSL is alive, so the descriptor still belongs to that connection
// (never to a reused number). Idle connections that are shed only get their read side shut
// down, so a response still being written is not cut.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <openssl/ssl.h>

namespace httplib {
class TaskQueue;
}

namespace cell0::webhook {

struct ConnectionGuardOptions {
  std::size_t workers = 4;
  std::size_t max_connections = 0;  // being served plus waiting; 0: no cap
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{5000};
  std::size_t max_header_bytes = 64u << 10;  // TLS record bytes before the headers are complete
};

// Why the guard closed a connection (the label of the closed-connections counter).
enum class GuardReason { HeaderTimeout, HeaderBytes, BodyTimeout, IdleTimeout, Shed, OverLimit };
constexpr std::size_t kGuardReasons = 6;
const char* guard_reason_name(GuardReason reason);

// Shared with the metrics collector, which may outlive the guard.
struct GuardCounters {
  std::array<std::atomic<unsigned long long>, kGuardReasons> closed{};
  std::atomic<std::size_t> open{0};  // being served or waiting for a worker
};

class ConnectionGuard {
 public:
  explicit ConnectionGuard(ConnectionGuardOptions options);
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // Chains after the info callback already on ctx. This object must outlive ctx.
  void install(SSL_CTX* ctx);
  // For httplib::Server::new_task_queue: one queue at a time, owned by httplib.
  httplib::TaskQueue* new_task_queue();

  // On a worker thread: headers parsed (pre-routing), body read, response ready (post-routing).
  void request_started();
  void body_finished();
  void request_finished();

  // For a stopping server. Connections from handshake start until their SSL is freed:
  std::size_t open_connections() const;
  // Shuts the read side of every connection not inside a request (handshaking, between requests,
  // or still sending headers): its worker sees the end of the stream and closes it, while
  // requests in flight finish.
  std::size_t close_idle();

  std::shared_ptr<const GuardCounters> counters() const { return counters_; }

  struct Slot;
  class Pool;

 private:
  friend class Pool;
  static void on_info(const SSL* ssl, int where, int ret);
  static void on_message(int write_p, int version, int content_type, const void* buf, std::size_t len, SSL* ssl,
                         void* arg);
  static void on_free(void* parent, void* ptr, CRYPTO_EX_DATA* ad, int idx, long argl, void* argp);
  static int ssl_index();
  static int ctx_index();

  // The *_locked members run with mutex_ held.
  void set_phase(int phase, bool restart_clock);
  void expire_locked(std::chrono::steady_clock::time_point now);
  void shed_locked(std::size_t waiting, std::chrono::steady_clock::time_point now);
  void close_locked(Slot& slot, std::optional<GuardReason> reason);

  ConnectionGuardOptions options_;
  std::shared_ptr<GuardCounters> counters_ = std::make_shared<GuardCounters>();
  void (*previous_info_)(const SSL*, int, int) = nullptr;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Slot>> slots_;  // one per worker, plus the refusing thread's
  Pool* pool_ = nullptr;
  int devnull_ = -1;
};

}  // namespace cell0::webhook
