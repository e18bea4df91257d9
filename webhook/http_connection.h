// Internal to the HTTPS server (http_server.cc, http_connection.cc): one accepted connection,
// driven by the event loop that owns it. OpenSSL runs on the non-blocking socket; the loop waits
// for readiness (async_wait) whenever OpenSSL wants to read or write. Beast's parser stays in
// http_connection.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

#include <openssl/ssl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "webhook/connection_stats.h"
#include "webhook/server.h"

namespace cell0::webhook {

class HttpRoutes;
class HttpConnection;

// What every connection of one server shares.
struct ServerCore {
  const ServerOptions& options;
  const HttpRoutes& routes;
  ConnectionStats& stats;
  SSL_CTX* ssl_ctx = nullptr;
  std::atomic<bool> draining{false};  // answers carry Connection: close, /readyz is 503
  std::atomic<bool> stopping{false};  // the listener is closed or closing
};

// The connections of one loop, touched only by the thread that runs the loop at the time (its
// owner; http_server.cc gives a loop to another thread when a handler runs long).
struct EventLoop {
  // A second thread runs it while the first finishes a slow handler: not the one-thread hint.
  boost::asio::io_context io{2};
  std::unordered_set<std::shared_ptr<HttpConnection>> connections;
};

// A thread that runs event loops, as the supervisor in http_server.cc sees it.
struct LoopOwner {
  // Steady-clock nanoseconds since this thread entered a JSON handler; 0: it is in none;
  // kTakenOver: its loop was given to another thread meanwhile (the thread then gives its answer
  // to the new owner through after_takeover and stops running the loop). Per thread, not per
  // loop: the new owner stamps its own handlers while the old one is still in its handler.
  static constexpr std::int64_t kTakenOver = -1;
  std::atomic<std::int64_t> handler_since{0};
  EventLoop* loop = nullptr;  // the loop it runs; set and read under the supervisor's mutex
};

// The LoopOwner of this thread (set while it runs a loop).
extern thread_local LoopOwner* current_owner;
// Set by a handler's thread whose loop was taken over: the answer, which the thread posts to the
// loop once it has left the connection's call stack (http_server.cc).
extern thread_local std::function<void()> after_takeover;

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using Clock = std::chrono::steady_clock;

  HttpConnection(ServerCore& core, EventLoop& loop, boost::asio::ip::tcp::socket socket);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // All on the loop's thread.
  void start();
  void check_deadline(Clock::time_point now);
  // The server stopped: a connection between requests gets a short grace, then closes.
  void on_stop(Clock::time_point now);

 private:
  enum class Phase { Handshake, Fresh, Headers, Body, Handling, Writing, Idle, Linger, Closed };
  struct Request;  // Beast's parser and what the answer needs from the request

  void pump();
  void do_handshake();
  void do_read();
  bool flush_interim();
  void parse();
  void read_request_line();  // method, path, version, keep-alive from the parsed header
  bool on_header();
  void on_request();
  void respond(int status, const std::string& content_type, std::string body, bool must_close,
               CloseReason reason = CloseReason::Done);
  void refuse(int status, const std::string& message, CloseReason reason);
  void do_write();
  void after_write();
  void do_linger();
  void wait(bool for_write);
  void close(CloseReason reason);
  void set_deadline(Clock::duration after, CloseReason reason);
  // Whether an SSL call that returned `ret` is waiting on the socket (and waits for it).
  bool retry_later(int ret);

  ServerCore& core_;
  EventLoop& loop_;
  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
  std::string remote_;
  Phase phase_ = Phase::Handshake;
  Clock::time_point deadline_;
  CloseReason deadline_reason_ = CloseReason::HeaderTimeout;
  Clock::time_point last_read_;
  std::string in_;       // bytes read and not parsed yet
  std::string interim_;  // 100 Continue, still to be written
  std::string out_;      // the answer being written
  std::size_t out_done_ = 0;
  std::unique_ptr<Request> request_;
  std::size_t requests_ = 0;
  bool close_after_ = false;
  CloseReason close_reason_ = CloseReason::Done;
  bool counted_ = false;  // the close reason is in the stats already
  unsigned depth_ = 0;    // do_read calls on the stack
  bool waiting_read_ = false;
  bool waiting_write_ = false;
};

}  // namespace cell0::webhook
