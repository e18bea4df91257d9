#include "webhook/server.h"

#include <sys/resource.h>

#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/err.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.h"
#include "webhook/http_connection.h"
#include "webhook/http_routes.h"
#include "webhook/tls_credentials.h"

namespace cell0::webhook {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// ALPN: HTTP/1.1 when the client offers it (kube-apiserver forces it), else no ALPN at all.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// 1,000 connections need more descriptors than the usual soft limit of 1,024.
void raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// Runs the event loops: each loop has one owner thread at a time, which also runs the JSON
// handlers of the loop's connections inline. A supervisor looks every kTick at the loops; one
// whose owner has been inside a handler for kTakeOverAfter is given to another thread (an idle
// one, or a new one up to `cap`), which serves the other connections meanwhile. So a script
// using its whole Lua budget delays only its own connection, while a fast request costs no
// hand-off between threads. With `cap` threads inside slow handlers, a taken-over loop waits for
// one of them to finish (the bound a worker pool had).
class LoopThreads {
 public:
  // A fast handler takes tens of microseconds; a few milliseconds is already an outlier, and
  // short enough that the other connections of the loop hardly notice (a loop waits at most
  // kTick + kTakeOverAfter). Each tick wakes a thread: 500 a second costs little.
  static constexpr auto kTick = std::chrono::milliseconds(2);
  static constexpr auto kTakeOverAfter = std::chrono::milliseconds(2);

  LoopThreads(const std::vector<std::unique_ptr<EventLoop>>& loops, std::size_t cap) : loops_(loops), cap_(cap) {}
  LoopThreads(const LoopThreads&) = delete;
  LoopThreads& operator=(const LoopThreads&) = delete;

  // Until every loop has run out of work (stop() and the last connection closed).
  void run() {
    {
      std::lock_guard lock(mutex_);
      for (const auto& loop : loops_) ownerless_.push_back(loop.get());
      for (std::size_t i = 0; i < loops_.size(); ++i) start_thread();
    }
    std::thread supervisor([this] { supervise(); });
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [this] { return finished_ == loops_.size(); });
      stopping_ = true;
    }
    wake_.notify_all();
    tick_.notify_all();
    supervisor.join();
    for (auto& t : threads_) t.join();  // the supervisor, which starts threads, is gone
  }

 private:
  void start_thread() {  // with mutex_ held
    ++started_;
    ++starting_;
    LoopOwner* owner = &owners_.emplace_back();
    threads_.emplace_back([this, owner] { serve(*owner); });
  }

  void serve(LoopOwner& owner) {
    current_owner = &owner;
    std::unique_lock lock(mutex_);
    --starting_;
    for (;;) {
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !ownerless_.empty(); });
      --idle_;
      if (ownerless_.empty()) return;
      owner.loop = ownerless_.front();
      ownerless_.pop_front();
      lock.unlock();
      const bool finished = own(*owner.loop);
      lock.lock();
      owner.loop = nullptr;
      if (finished && ++finished_ == loops_.size()) done_.notify_all();
    }
  }

  // Runs `loop` until it runs out of work (true) or is taken over during a handler (false).
  static bool own(EventLoop& loop) {
    for (;;) {
      const std::size_t ran = loop.io.run_one();
      if (after_takeover) {
        // The handler has returned and this thread is off the connection's stack: the new
        // owner may write the answer now.
        asio::post(loop.io, std::move(after_takeover));
        after_takeover = nullptr;
        return false;
      }
      if (ran == 0) return true;
    }
  }

  void supervise() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      tick_.wait_for(lock, kTick);
      const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
      const auto after = std::chrono::duration_cast<std::chrono::nanoseconds>(kTakeOverAfter).count();
      for (LoopOwner& owner : owners_) {
        std::int64_t since = owner.handler_since.load();
        if (owner.loop == nullptr || since <= 0 || now - since < after) continue;
        // Fails when the handler has just returned (or another one started): nothing to do.
        if (!owner.handler_since.compare_exchange_strong(since, LoopOwner::kTakenOver)) continue;
        ownerless_.push_back(owner.loop);
      }
      // After the scan: starting a thread adds to owners_.
      while (idle_ + starting_ < ownerless_.size() && started_ < cap_) start_thread();
      if (!ownerless_.empty()) wake_.notify_all();
    }
  }

  const std::vector<std::unique_ptr<EventLoop>>& loops_;
  const std::size_t cap_;
  std::mutex mutex_;
  std::condition_variable wake_;  // a loop needs an owner, or stopping
  std::condition_variable tick_;  // the supervisor's sleep, cut short when stopping
  std::condition_variable done_;  // every loop finished
  std::deque<EventLoop*> ownerless_;
  std::size_t idle_ = 0;
  std::size_t started_ = 0;
  std::size_t starting_ = 0;  // started, not waiting yet
  std::size_t finished_ = 0;
  bool stopping_ = false;
  std::deque<LoopOwner> owners_;  // one per thread; a deque keeps their addresses
  std::vector<std::thread> threads_;
};

}  // namespace

thread_local LoopOwner* current_owner = nullptr;
thread_local std::function<void()> after_takeover;

struct Server::Impl {
  Impl(ServerOptions o, WebhookMetrics& m)
      : options(std::move(o)),
        metrics(m),
        credentials(options.cert_file, options.key_file),
        routes(options, m, core.draining),
        core{options, routes, *stats} {}
  ~Impl() {
    accept_retry.reset();  // both use loops[0]
    acceptor.reset();
    for (auto& loop : loops) loop->connections.clear();
    loops.clear();  // pending handlers hold connections, which use core
    if (ssl_ctx != nullptr) SSL_CTX_free(ssl_ctx);
  }

  ServerOptions options;
  WebhookMetrics& metrics;
  TlsCredentials credentials;
  std::shared_ptr<ConnectionStats> stats = std::make_shared<ConnectionStats>();
  HttpRoutes routes;
  ServerCore core;
  SSL_CTX* ssl_ctx = nullptr;
  std::vector<std::unique_ptr<EventLoop>> loops;
  std::unique_ptr<tcp::acceptor> acceptor;  // on loops[0]
  std::unique_ptr<asio::steady_timer> accept_retry;
  std::size_t next_loop = 0;
  int bound_port = 0;
  std::atomic<bool> run_started{false};
  std::chrono::milliseconds tick{50};

  common::Result<common::Done> setup_tls();
  void accept();
  void sweep(EventLoop& loop, const std::shared_ptr<asio::steady_timer>& timer,
             const std::shared_ptr<asio::executor_work_guard<asio::io_context::executor_type>>& guard);
};

common::Result<common::Done> Server::Impl::setup_tls() {
  ssl_ctx = SSL_CTX_new(TLS_server_method());
  if (ssl_ctx == nullptr) {
    return common::Error{common::ErrorKind::Tls, "cannot set up TLS: " + certs::openssl_error_text()};
  }
  SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ssl_ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections give their read and write buffers back (about 34 KiB each).
  SSL_CTX_set_mode(ssl_ctx,
                   SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Resumption spares a reconnecting client a full handshake, but OpenSSL's default cache holds
  // 20,480 sessions, which a client opening fresh connections grows by ~4 KiB each.
  SSL_CTX_sess_set_cache_size(ssl_ctx, 1024);
  static const unsigned char kSessionContext[] = "cell0-webhook";
  SSL_CTX_set_session_id_context(ssl_ctx, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(ssl_ctx, &select_alpn, nullptr);
  credentials.install(ssl_ctx);
  core.ssl_ctx = ssl_ctx;
  if (options.client_ca_file.empty()) return common::Done{};
  const std::string ca = options.client_ca_file.string();
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
  if (SSL_CTX_load_verify_locations(ssl_ctx, ca.c_str(), nullptr) != 1 || names == nullptr) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    return common::Error{common::ErrorKind::Tls, "cannot load client CA " + ca + ": " + certs::openssl_error_text()};
  }
  SSL_CTX_set_client_CA_list(ssl_ctx, names);
  SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return common::Done{};
}

void Server::Impl::accept() {
  EventLoop& target = *loops[next_loop];
  next_loop = (next_loop + 1) % loops.size();
  acceptor->async_accept(target.io, [this, &target](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors, most likely: try again shortly instead of spinning.
      common::log_event(spdlog::level::warn, "accept failed", {{"error", ec.message()}});
      accept_retry->expires_after(std::chrono::milliseconds(50));
      accept_retry->async_wait([this](const boost::system::error_code& e) {
        if (!e && acceptor->is_open()) accept();
      });
      return;
    }
    const std::size_t cap = options.max_connections;
    if (cap != 0 && stats->open.load() >= static_cast<long long>(cap)) {
      stats->count(CloseReason::MaxConnections);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      stats->open++;
      asio::post(target.io, [this, &target, s = std::make_shared<tcp::socket>(std::move(socket))]() mutable {
        auto connection = std::make_shared<HttpConnection>(core, target, std::move(*s));
        target.connections.insert(connection);
        if (core.stopping) connection->on_stop(Clock::now());
        connection->start();
      });
    }
    accept();
  });
}

void Server::Impl::sweep(EventLoop& loop, const std::shared_ptr<asio::steady_timer>& timer,
                         const std::shared_ptr<asio::executor_work_guard<asio::io_context::executor_type>>& guard) {
  const auto now = Clock::now();
  std::vector<std::shared_ptr<HttpConnection>> all(loop.connections.begin(), loop.connections.end());
  for (auto& c : all) c->check_deadline(now);
  if (core.stopping && loop.connections.empty()) {
    guard->reset();  // nothing left: run() may return
    return;
  }
  timer->expires_at(now + tick);
  timer->async_wait([this, &loop, timer, guard](const boost::system::error_code& ec) {
    if (!ec) sweep(loop, timer, guard);
  });
}

Server::Server(ServerOptions options, WebhookMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)) {}

Server::~Server() { stop(); }

void Server::add_json_endpoint(const std::string& path, JsonEndpoint endpoint) {
  impl_->routes.add_json_endpoint(path, std::move(endpoint));
}

void Server::set_readiness_probe(std::function<Readiness()> probe) {
  impl_->routes.set_readiness_probe(std::move(probe));
}

common::Result<common::Done> Server::bind() {
  auto& d = *impl_;
  if (auto loaded = d.credentials.reload(); !loaded) return loaded.error();
  // A client that resets its connection must not kill the server: OpenSSL writes to sockets
  // with write(2), which raises SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  raise_open_files_limit();
  if (auto tls = d.setup_tls(); !tls) return tls.error();
  collect_connection_stats(d.metrics, d.stats);

  const std::size_t loops =
      d.options.event_loops > 0 ? d.options.event_loops : std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < loops; ++i) d.loops.push_back(std::make_unique<EventLoop>());
  const auto shortest = std::min({d.options.header_timeout, d.options.body_timeout, d.options.keep_alive_timeout,
                                  d.options.write_timeout, d.options.read_timeout});
  d.tick = std::clamp(shortest / 20, std::chrono::milliseconds(10), std::chrono::milliseconds(100));

  boost::system::error_code ec;
  auto address = asio::ip::make_address(d.options.host, ec);
  if (ec) {
    tcp::resolver resolver(d.loops[0]->io);
    auto found = resolver.resolve(d.options.host, "", ec);
    if (ec || found.empty()) {
      return common::Error{common::ErrorKind::Io, fmt::format("cannot resolve {}: {}", d.options.host, ec.message())};
    }
    address = found.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(d.options.port));
  d.acceptor = std::make_unique<tcp::acceptor>(d.loops[0]->io);
  d.accept_retry = std::make_unique<asio::steady_timer>(d.loops[0]->io);
  d.acceptor->open(endpoint.protocol(), ec);
  if (!ec) d.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) d.acceptor->bind(endpoint, ec);
  if (!ec) d.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return common::Error{common::ErrorKind::Io,
                         fmt::format("cannot listen on {}:{}: {}", d.options.host, d.options.port, ec.message())};
  }
  d.bound_port = d.acceptor->local_endpoint().port();
  return common::Done{};
}

int Server::port() const { return impl_->bound_port; }

void Server::run() {
  auto& d = *impl_;
  // Publish run_started before looking at stopping, and stop() does the reverse: one of the two
  // sees the other, so a stop() racing with run() is never lost.
  d.run_started = true;
  if (d.core.stopping || !d.acceptor) return;
  for (auto& loop : d.loops) {
    auto guard = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(loop->io.get_executor());
    auto timer = std::make_shared<asio::steady_timer>(loop->io);
    d.sweep(*loop, timer, guard);
  }
  asio::post(d.loops[0]->io, [&d] {
    if (d.acceptor->is_open()) d.accept();
  });
  // server_threads handlers at once (one Lua state each) while every loop still has an owner:
  // with fewer, slow handlers would leave a loop without a thread (or queue behind each other).
  LoopThreads threads(d.loops, server_threads(d.options.threads) + d.loops.size());
  threads.run();
}

void Server::begin_drain() { impl_->core.draining = true; }

void Server::stop() {
  auto& d = *impl_;
  d.core.draining = true;
  if (d.core.stopping.exchange(true)) return;
  if (!d.acceptor) return;
  auto close_listener = [&d] {
    boost::system::error_code ignored;
    d.acceptor->close(ignored);
    d.accept_retry->cancel();
  };
  if (!d.run_started) return close_listener();
  auto closed = std::make_shared<std::promise<void>>();
  auto done = closed->get_future();
  asio::post(d.loops[0]->io, [close_listener, closed] {
    close_listener();
    closed->set_value();
  });
  for (auto& loop : d.loops) {
    asio::post(loop->io, [l = loop.get()] {
      const auto now = Clock::now();
      for (const auto& c : l->connections) c->on_stop(now);
    });
  }
  // Returns once no new connection can arrive (unless run() is not serving at all).
  done.wait_for(std::chrono::seconds(2));
}

bool Server::stopping() const { return impl_->core.stopping; }

common::Result<common::Done> Server::reload_certificates() { return impl_->credentials.reload(); }

}  // namespace cell0::webhook
