#include "webhook/connection_guard.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>

#include <httplib.h>

namespace cell0::webhook {
namespace {

using Clock = std::chrono::steady_clock;

// Where a connection is; each phase has its own deadline (see the header).
enum Phase : int {
  kHandshake,  // TLS handshake, from the worker picking the connection up
  kFresh,      // handshake done, no byte of the first request yet; deadline still from the start
  kHeaders,    // request bytes arriving, headers not complete
  kBody,       // headers parsed, body being read
  kHandling,   // body read, the endpoint at work (the Lua deadline bounds it)
  kIdle,       // response being written, then waiting for the next request
};

std::size_t index_of(GuardReason reason) { return static_cast<std::size_t>(reason); }

}  // namespace

const char* guard_reason_name(GuardReason reason) {
  switch (reason) {
    case GuardReason::HeaderTimeout:
      return "header_timeout";
    case GuardReason::HeaderBytes:
      return "header_too_large";
    case GuardReason::BodyTimeout:
      return "body_timeout";
    case GuardReason::IdleTimeout:
      return "idle_timeout";
    case GuardReason::Shed:
      return "shed_idle";
    case GuardReason::OverLimit:
      return "max_connections";
  }
  return "unknown";
}

struct ConnectionGuard::Slot {
  ConnectionGuard* guard = nullptr;
  bool refusing = false;  // the thread that closes connections over max_connections
  bool active = false;    // running a connection
  int fd = -1;            // from handshake start until the SSL is freed (the socket closes after)
  int phase = kHandshake;
  Clock::time_point since;        // the current deadline runs from here
  Clock::time_point quiet_since;  // last sign of life, for shedding: start, handshake end, response
  std::size_t header_bytes = 0;
  std::size_t records = 0;
  bool closing = false;
};

namespace {
// The slot of the worker running on this thread; OpenSSL callbacks and routing handlers run on it.
thread_local ConnectionGuard::Slot* current_slot = nullptr;
}  // namespace

// httplib's ThreadPool, plus what the guard needs: worker slots, the waiting count, the refusing
// thread and the watchdog.
class ConnectionGuard::Pool : public httplib::TaskQueue {
 public:
  explicit Pool(ConnectionGuard& guard) : guard_(guard) {
    const auto shortest = std::min(guard.options_.header_timeout, guard.options_.body_timeout);
    tick_ = std::clamp(shortest / 20, std::chrono::milliseconds(10), std::chrono::milliseconds(100));
    std::lock_guard lock(guard_.mutex_);
    guard_.pool_ = this;
    for (std::size_t i = 0; i < guard_.options_.workers; ++i) {
      threads_.emplace_back([this, slot = guard_.slots_[i].get()] { work(*slot, jobs_, work_cv_); });
    }
    threads_.emplace_back([this, slot = guard_.slots_.back().get()] { work(*slot, refused_, refuse_cv_); });
    threads_.emplace_back([this] { watchdog(); });
  }
  ~Pool() override { shutdown(); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard lock(guard_.mutex_);
      const std::size_t cap = guard_.options_.max_connections;
      if (cap != 0 && busy_ + jobs_.size() >= cap) {
        guard_.counters_->closed[index_of(GuardReason::OverLimit)]++;
        refused_.push_back(std::move(fn));
        refuse_cv_.notify_one();
        return;
      }
      jobs_.push_back(std::move(fn));
      guard_.counters_->open = busy_ + jobs_.size();
      if (busy_ >= guard_.options_.workers) guard_.shed_locked(jobs_.size(), Clock::now());
    }
    work_cv_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(guard_.mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    work_cv_.notify_all();
    refuse_cv_.notify_all();
    watch_cv_.notify_all();
    for (auto& t : threads_) t.join();
    std::lock_guard lock(guard_.mutex_);
    guard_.pool_ = nullptr;
    guard_.counters_->open = 0;
  }

 private:
  void work(Slot& slot, std::deque<std::function<void()>>& queue, std::condition_variable& cv) {
    current_slot = &slot;
    std::unique_lock lock(guard_.mutex_);
    for (;;) {
      cv.wait(lock, [&] { return stopped_ || !queue.empty(); });
      if (queue.empty()) return;  // stopped, and every accepted connection was handled
      std::function<void()> fn = std::move(queue.front());
      queue.pop_front();
      if (!slot.refusing) ++busy_;
      slot.active = true;
      slot.fd = -1;
      slot.phase = kHandshake;
      slot.since = Clock::now();
      slot.quiet_since = slot.since;
      slot.header_bytes = 0;
      slot.records = 0;
      slot.closing = false;
      lock.unlock();
      try {
        fn();
      } catch (...) {
        // httplib's own pool would terminate; the connection is over either way.
      }
      lock.lock();
      slot.active = false;
      slot.fd = -1;
      if (!slot.refusing) --busy_;
      guard_.counters_->open = busy_ + jobs_.size();
    }
  }

  void watchdog() {
    std::unique_lock lock(guard_.mutex_);
    while (!stopped_) {
      watch_cv_.wait_for(lock, tick_);
      if (stopped_) break;
      const auto now = Clock::now();
      guard_.expire_locked(now);
      if (!jobs_.empty() && busy_ >= guard_.options_.workers) guard_.shed_locked(jobs_.size(), now);
    }
  }

  ConnectionGuard& guard_;
  std::chrono::milliseconds tick_{50};
  // All below under guard_.mutex_.
  std::deque<std::function<void()>> jobs_;
  std::deque<std::function<void()>> refused_;
  std::size_t busy_ = 0;
  bool stopped_ = false;
  std::condition_variable work_cv_;
  std::condition_variable refuse_cv_;
  std::condition_variable watch_cv_;
  std::vector<std::thread> threads_;
};

ConnectionGuard::ConnectionGuard(ConnectionGuardOptions options) : options_(options) {
  options_.workers = std::max<std::size_t>(1, options_.workers);
  for (std::size_t i = 0; i <= options_.workers; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->guard = this;
  }
  slots_.back()->refusing = true;
  devnull_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
}

ConnectionGuard::~ConnectionGuard() {
  if (devnull_ >= 0) ::close(devnull_);
}

httplib::TaskQueue* ConnectionGuard::new_task_queue() { return new Pool(*this); }

int ConnectionGuard::ctx_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int ConnectionGuard::ssl_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &ConnectionGuard::on_free);
  return index;
}

void ConnectionGuard::install(SSL_CTX* ctx) {
  ssl_index();  // register the free hook before the first connection
  previous_info_ = SSL_CTX_get_info_callback(ctx);
  SSL_CTX_set_ex_data(ctx, ctx_index(), this);
  SSL_CTX_set_info_callback(ctx, &ConnectionGuard::on_info);
  SSL_CTX_set_msg_callback(ctx, &ConnectionGuard::on_message);
}

void ConnectionGuard::on_info(const SSL* ssl, int where, int ret) {
  auto* guard = static_cast<ConnectionGuard*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index()));
  if (guard == nullptr) return;
  if (guard->previous_info_ != nullptr) guard->previous_info_(ssl, where, ret);
  Slot* slot = current_slot;
  if (slot == nullptr || slot->guard != guard) return;
  SSL* mutable_ssl = const_cast<SSL*>(ssl);  // OpenSSL's callback type is const, ex_data setters are not
  if ((where & SSL_CB_HANDSHAKE_START) != 0) {
    if (SSL_get_ex_data(mutable_ssl, ssl_index()) != nullptr) return;
    const int fd = SSL_get_fd(ssl);
    if (fd < 0) return;
    SSL_set_ex_data(mutable_ssl, ssl_index(), slot);
    std::lock_guard lock(guard->mutex_);
    slot->fd = fd;
    if (slot->refusing) guard->close_locked(*slot, std::nullopt);  // counted when it was refused
  } else if ((where & SSL_CB_HANDSHAKE_DONE) != 0 && SSL_get_ex_data(mutable_ssl, ssl_index()) == slot) {
    std::lock_guard lock(guard->mutex_);
    if (slot->phase == kHandshake) {
      slot->phase = kFresh;
      slot->quiet_since = Clock::now();
    }
  }
}

void ConnectionGuard::on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL* ssl,
                                 void*) {
  if (write_p != 0 || content_type != SSL3_RT_HEADER || len < 5) return;
  Slot* slot = current_slot;
  if (slot == nullptr || SSL_get_ex_data(ssl, ssl_index()) != slot) return;
  const auto* header = static_cast<const unsigned char*>(buf);
  const std::size_t bytes = len + ((std::size_t{header[3]} << 8) | header[4]);
  ConnectionGuard& guard = *slot->guard;
  std::lock_guard lock(guard.mutex_);
  slot->records++;
  switch (slot->phase) {
    case kFresh:  // the first request: its deadline runs from the connection's start
      slot->phase = kHeaders;
      break;
    case kIdle:
      slot->phase = kHeaders;
      slot->since = Clock::now();
      slot->header_bytes = 0;
      break;
    case kHeaders:
      break;
    default:
      return;
  }
  slot->header_bytes += bytes;
  if (slot->header_bytes > guard.options_.max_header_bytes && !slot->closing) {
    guard.close_locked(*slot, GuardReason::HeaderBytes);
  }
}

void ConnectionGuard::on_free(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  auto* slot = static_cast<Slot*>(ptr);
  if (slot == nullptr) return;
  std::lock_guard lock(slot->guard->mutex_);
  slot->fd = -1;  // httplib closes the socket next; from now on the number may be reused
}

void ConnectionGuard::set_phase(int phase, bool restart_clock) {
  Slot* slot = current_slot;
  if (slot == nullptr || slot->guard != this) return;
  std::lock_guard lock(mutex_);
  if (phase == kHandling && slot->phase != kBody) return;
  slot->phase = phase;
  if (restart_clock) slot->since = slot->quiet_since = Clock::now();
  if (phase == kIdle) slot->header_bytes = 0;
}

std::size_t ConnectionGuard::open_connections() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->fd >= 0; }));
}

std::size_t ConnectionGuard::close_idle() {
  std::lock_guard lock(mutex_);
  std::size_t closed = 0;
  for (auto& slot : slots_) {
    if (slot->fd < 0 || slot->phase == kBody || slot->phase == kHandling) continue;
    ::shutdown(slot->fd, SHUT_RD);
    ++closed;
  }
  return closed;
}

void ConnectionGuard::request_started() { set_phase(kBody, true); }
void ConnectionGuard::body_finished() { set_phase(kHandling, false); }
void ConnectionGuard::request_finished() { set_phase(kIdle, true); }

void ConnectionGuard::expire_locked(Clock::time_point now) {
  for (auto& s : slots_) {
    Slot& slot = *s;
    if (!slot.active || slot.fd < 0 || slot.closing) continue;
    switch (slot.phase) {
      case kHandshake:
      case kFresh:
      case kHeaders:
        if (now - slot.since > options_.header_timeout) close_locked(slot, GuardReason::HeaderTimeout);
        break;
      case kBody:
        if (now - slot.since > options_.body_timeout) close_locked(slot, GuardReason::BodyTimeout);
        break;
      case kIdle:
        if (now - slot.since > options_.idle_timeout + options_.header_timeout) {
          close_locked(slot, GuardReason::IdleTimeout);
        }
        break;
      default:
        break;
    }
  }
}

void ConnectionGuard::shed_locked(std::size_t waiting, Clock::time_point now) {
  // A connection just picked up gets a moment to send its first bytes (they are usually there).
  const auto grace = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100), options_.header_timeout / 4);
  std::vector<Slot*> idle;
  std::size_t closing = 0;
  for (auto& s : slots_) {
    Slot& slot = *s;
    if (!slot.active || slot.refusing) continue;
    if (slot.closing) {
      ++closing;
      continue;
    }
    const bool quiet = slot.phase == kIdle || (slot.phase == kFresh && slot.header_bytes == 0) ||
                       (slot.phase == kHandshake && slot.records == 0);
    if (slot.fd >= 0 && quiet && now - slot.quiet_since >= grace) idle.push_back(&slot);
  }
  if (closing >= waiting) return;  // those workers are about to be free
  std::sort(idle.begin(), idle.end(), [](const Slot* a, const Slot* b) { return a->quiet_since < b->quiet_since; });
  const std::size_t n = std::min(idle.size(), waiting - closing);
  for (std::size_t i = 0; i < n; ++i) close_locked(*idle[i], GuardReason::Shed);
}

void ConnectionGuard::close_locked(Slot& slot, std::optional<GuardReason> reason) {
  if (slot.fd < 0 || slot.closing) return;
  slot.closing = true;
  if (reason) counters_->closed[index_of(*reason)]++;
  if (reason == GuardReason::Shed && slot.phase == kIdle) {
    // Only the read side: a response still being written goes out, then the worker sees the
    // end of the stream where it waits for the next request.
    ::shutdown(slot.fd, SHUT_RD);
    return;
  }
  const int original = ::fcntl(slot.fd, F_DUPFD_CLOEXEC, 0);
  if (original < 0 || devnull_ < 0) {
    ::shutdown(slot.fd, SHUT_RDWR);
  } else {
    ::dup3(devnull_, slot.fd, O_CLOEXEC);
    ::shutdown(original, SHUT_RDWR);  // wakes a worker blocked on the socket
  }
  if (original >= 0) ::close(original);
}

}  // namespace cell0::webhook
