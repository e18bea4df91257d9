#include "webhook/http_connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <openssl/err.h>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "webhook/http_routes.h"

namespace cell0::webhook {
namespace {

namespace http = boost::beast::http;
using Clock = HttpConnection::Clock;

constexpr std::size_t kReadChunk = 16384;
// Longest request target and header line (as httplib had): a longer URI is 414, a longer line 400.
constexpr std::size_t kMaxLine = 8192;
// After an answer with Connection: close the server stops writing and reads what the client is
// still sending for up to this long, so that the client reads the answer instead of a reset
// (a client still sending a refused 4 MiB body, for one).
constexpr auto kLinger = std::chrono::seconds(2);
// A connection between requests when the server stops: a client may be writing a request on it
// right now, and gets this long for it to arrive.
constexpr auto kStopGrace = std::chrono::milliseconds(500);

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

thread_local std::array<char, kReadChunk> scratch;

}  // namespace

struct HttpConnection::Request {
  http::request_parser<http::string_body> parser;
  std::string method;
  std::string path;  // the target without its query (Karmada adds ?timeout=10s)
  unsigned version = 11;
  bool keep_alive = true;
  const JsonEndpoint* endpoint = nullptr;
  std::size_t body_limit = 0;
};

HttpConnection::HttpConnection(ServerCore& core, EventLoop& loop, boost::asio::ip::tcp::socket socket)
    : core_(core), loop_(loop), socket_(std::move(socket)) {}

HttpConnection::~HttpConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

void HttpConnection::set_deadline(Clock::duration after, CloseReason reason) {
  deadline_ = Clock::now() + after;
  deadline_reason_ = reason;
}

void HttpConnection::start() {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  const auto peer = socket_.remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string();
  last_read_ = Clock::now();
  set_deadline(core_.options.header_timeout, CloseReason::HeaderTimeout);
  ssl_ = SSL_new(core_.ssl_ctx);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, socket_.native_handle()) != 1) return close(CloseReason::TlsError);
  SSL_set_accept_state(ssl_);
  pump();
}

void HttpConnection::pump() {
  switch (phase_) {
    case Phase::Handshake:
      return do_handshake();
    case Phase::Fresh:
    case Phase::Idle:
    case Phase::Headers:
    case Phase::Body:
      return do_read();
    case Phase::Writing:
      return do_write();
    case Phase::Linger:
      return do_linger();
    case Phase::Handling:
    case Phase::Closed:
      return;
  }
}

void HttpConnection::wait(bool for_write) {
  bool& waiting = for_write ? waiting_write_ : waiting_read_;
  if (waiting) return;
  waiting = true;
  socket_.async_wait(for_write ? boost::asio::socket_base::wait_write : boost::asio::socket_base::wait_read,
                     [self = shared_from_this(), for_write](const boost::system::error_code& ec) {
                       (for_write ? self->waiting_write_ : self->waiting_read_) = false;
                       if (!ec) self->pump();
                     });
}

bool HttpConnection::retry_later(int ret) {
  const int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    wait(err == SSL_ERROR_WANT_WRITE);
    return true;
  }
  ERR_clear_error();
  return false;
}

void HttpConnection::do_handshake() {
  ERR_clear_error();
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    phase_ = Phase::Fresh;  // the header deadline still runs from the accept
    return do_read();
  }
  if (!retry_later(ret)) close(CloseReason::TlsError);
}

void HttpConnection::do_read() {
  // Answers written at once nest do_read -> parse -> respond -> after_write -> do_read; a client
  // pipelining many requests must not grow the stack without end.
  struct Nesting {
    unsigned& depth;
    explicit Nesting(unsigned& d) : depth(++d) {}
    ~Nesting() { --depth; }
  } nesting(depth_);
  for (;;) {
    if (!interim_.empty() && !flush_interim()) return;
    if (!in_.empty()) {
      parse();
      if (phase_ != Phase::Headers && phase_ != Phase::Body) return;
    }
    ERR_clear_error();
    const int n = SSL_read(ssl_, scratch.data(), static_cast<int>(scratch.size()));
    if (n > 0) {
      in_.append(scratch.data(), static_cast<std::size_t>(n));
      last_read_ = Clock::now();
      continue;
    }
    if (retry_later(n)) {
      if (in_.empty() && in_.capacity() > 64) std::string().swap(in_);  // an idle connection keeps no buffer
      return;
    }
    return close(CloseReason::ClientClosed);
  }
}

bool HttpConnection::flush_interim() {
  ERR_clear_error();
  const int n = SSL_write(ssl_, interim_.data(), static_cast<int>(interim_.size()));
  if (n > 0) {
    interim_.erase(0, static_cast<std::size_t>(n));
    return interim_.empty();
  }
  if (!retry_later(n)) close(CloseReason::ClientClosed);
  return false;
}

void HttpConnection::parse() {
  if (phase_ == Phase::Fresh || phase_ == Phase::Idle) {
    // The first byte of a request: from now on its headers have header_timeout.
    if (phase_ == Phase::Idle) set_deadline(core_.options.header_timeout, CloseReason::HeaderTimeout);
    phase_ = Phase::Headers;
    request_ = std::make_unique<Request>();
    request_->parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(core_.options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    request_->parser.body_limit(core_.routes.largest_body_limit());
  }
  auto& parser = request_->parser;
  while (!in_.empty()) {
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(in_.data(), in_.size()), ec);
    in_.erase(0, used);
    if (ec == http::error::need_more) {
      if (phase_ == Phase::Headers && in_.size() > core_.options.max_header_bytes) {
        return refuse(431, "request headers larger than the limit", CloseReason::HeaderTooLarge);
      }
      return;
    }
    if (ec == http::error::header_limit) {
      return refuse(431, "request headers larger than the limit", CloseReason::HeaderTooLarge);
    }
    if (ec == http::error::body_limit) {
      // Beast checks a Content-Length against the largest limit before on_header runs.
      read_request_line();
      const JsonEndpoint* endpoint = core_.routes.json_endpoint(request_->path);
      const std::size_t limit =
          endpoint != nullptr ? core_.routes.body_limit(*endpoint) : core_.routes.largest_body_limit();
      return refuse(413, fmt::format("request body larger than {} bytes", limit), CloseReason::BadRequest);
    }
    if (ec) return refuse(400, "malformed HTTP request: " + ec.message(), CloseReason::BadRequest);
    if (phase_ == Phase::Headers && parser.is_header_done() && !on_header()) return;
    if (parser.is_done()) return on_request();
    if (used == 0) return;
  }
}

void HttpConnection::read_request_line() {
  Request& r = *request_;
  const auto& req = r.parser.get();
  r.method = std::string(req.method_string());
  const std::string_view target = req.target();
  r.path = std::string(target.substr(0, target.find('?')));
  r.version = req.version();
  r.keep_alive = req.keep_alive();
}

bool HttpConnection::on_header() {
  read_request_line();
  Request& r = *request_;
  const auto& req = r.parser.get();
  if (req.target().size() > kMaxLine) {
    refuse(414, fmt::format("request URI longer than {} bytes", kMaxLine), CloseReason::BadRequest);
    return false;
  }
  for (const auto& field : req) {
    if (field.name_string().size() + field.value().size() + 2 > kMaxLine) {
      refuse(400, fmt::format("request header line longer than {} bytes", kMaxLine), CloseReason::BadRequest);
      return false;
    }
  }
  if (r.method == "POST") r.endpoint = core_.routes.json_endpoint(r.path);
  if (r.endpoint != nullptr) {
    r.body_limit = core_.routes.body_limit(*r.endpoint);
    const auto length = r.parser.content_length();
    if (length && *length > r.body_limit) {
      // Refused before the body is read; the close and the linger keep the stream in sync.
      refuse(413, fmt::format("request body larger than {} bytes", r.body_limit), CloseReason::BadRequest);
      return false;
    }
  }
  if (!r.parser.is_done()) {
    phase_ = Phase::Body;
    set_deadline(core_.options.body_timeout, CloseReason::BodyTimeout);
    r.parser.eager(true);
    const auto expect = req[http::field::expect];
    if (expect.size() == 12 &&
        std::equal(expect.begin(), expect.end(), "100-continue", [](char a, char b) { return std::tolower(a) == b; })) {
      interim_ = "HTTP/1.1 100 Continue\r\n\r\n";
    }
  }
  return true;
}

void HttpConnection::on_request() {
  Request& r = *request_;
  if (r.endpoint == nullptr) {
    HttpAnswer answer = core_.routes.handle_other(r.method, r.path);
    return respond(answer.status, answer.content_type, std::move(answer.body), false);
  }
  auto& req = r.parser.get();
  if (req.body().size() > r.body_limit) {
    return refuse(413, fmt::format("request body larger than {} bytes", r.body_limit), CloseReason::BadRequest);
  }
  phase_ = Phase::Handling;  // no deadline: the Lua budget bounds the handler
  deadline_ = Clock::time_point::max();
  // Inline, on the loop's thread; the stamp lets the supervisor give the loop to another thread
  // when the handler runs long (http_server.cc).
  const auto now = Clock::now().time_since_epoch();
  LoopOwner& owner = *current_owner;
  owner.handler_since.store(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  HttpAnswer answer =
      core_.routes.handle_json(r.path, *r.endpoint, std::string(req[http::field::content_type]), req.body(), remote_);
  if (owner.handler_since.exchange(0) != LoopOwner::kTakenOver) {
    return respond(answer.status, answer.content_type, std::move(answer.body), false);
  }
  // Another thread runs the loop now; from here on this thread must not touch the connection
  // (the callers only return: phase_ is Handling). The new owner writes the answer.
  after_takeover = [self = shared_from_this(), answer = std::move(answer)]() mutable {
    if (self->phase_ == Phase::Handling) {
      self->respond(answer.status, answer.content_type, std::move(answer.body), false);
    }
  };
}

void HttpConnection::refuse(int status, const std::string& message, CloseReason reason) {
  const std::string path = request_ ? request_->path : "";
  HttpAnswer answer = core_.routes.refuse(path, status, message);
  respond(answer.status, answer.content_type, std::move(answer.body), true, reason);
}

void HttpConnection::respond(int status, const std::string& content_type, std::string body, bool must_close,
                             CloseReason reason) {
  const bool http10 = request_ && request_->version == 10;
  const bool head = request_ && request_->method == "HEAD";
  ++requests_;
  const bool keep = !must_close && request_ && request_->keep_alive && !core_.draining &&
                    requests_ < core_.options.keep_alive_max_requests;
  close_after_ = !keep;
  close_reason_ = reason;
  const char* connection = !keep ? "Connection: close\r\n" : (http10 ? "Connection: keep-alive\r\n" : "");
  out_ = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n", status,
                     reason_phrase(status), content_type, body.size(), connection);
  if (!head) out_ += body;
  out_done_ = 0;
  request_.reset();
  interim_.clear();
  phase_ = Phase::Writing;
  set_deadline(core_.options.write_timeout, CloseReason::WriteTimeout);
  do_write();
}

void HttpConnection::do_write() {
  while (out_done_ < out_.size()) {
    ERR_clear_error();
    const std::size_t left = std::min<std::size_t>(out_.size() - out_done_, std::numeric_limits<int>::max());
    const int n = SSL_write(ssl_, out_.data() + out_done_, static_cast<int>(left));
    if (n > 0) {
      out_done_ += static_cast<std::size_t>(n);
      continue;
    }
    if (!retry_later(n)) close(CloseReason::ClientClosed);
    return;
  }
  after_write();
}

void HttpConnection::after_write() {
  if (out_.capacity() > (64u << 10)) {
    std::string().swap(out_);
  } else {
    out_.clear();
  }
  out_done_ = 0;
  if (close_after_) {
    // close_notify and FIN, then read and drop what the client still sends (see kLinger).
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
    ::shutdown(socket_.native_handle(), SHUT_WR);
    phase_ = Phase::Linger;
    set_deadline(kLinger, close_reason_);
    core_.stats.count(close_reason_);  // counted now: the linger only waits for the client's close
    counted_ = true;
    return do_linger();
  }
  phase_ = Phase::Idle;
  set_deadline(core_.options.keep_alive_timeout, CloseReason::IdleTimeout);
  if (core_.stopping) on_stop(Clock::now());
  if (depth_ < 4) return do_read();
  boost::asio::post(loop_.io, [self = shared_from_this()] { self->pump(); });
}

void HttpConnection::do_linger() {
  for (;;) {
    const ssize_t n = ::recv(socket_.native_handle(), scratch.data(), scratch.size(), 0);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait(false);
    if (n < 0 && errno == EINTR) continue;
    return close(close_reason_);
  }
}

void HttpConnection::check_deadline(Clock::time_point now) {
  if (phase_ == Phase::Closed) return;
  Clock::time_point limit = deadline_;
  if (phase_ == Phase::Headers || phase_ == Phase::Body)
    limit = std::min(limit, last_read_ + core_.options.read_timeout);
  if (now >= limit) close(deadline_reason_);
}

void HttpConnection::on_stop(Clock::time_point now) {
  if (phase_ != Phase::Handshake && phase_ != Phase::Fresh && phase_ != Phase::Idle) return;
  if (now + kStopGrace < deadline_) {
    deadline_ = now + kStopGrace;
    deadline_reason_ = CloseReason::Shutdown;
  }
}

void HttpConnection::close(CloseReason reason) {
  if (phase_ == Phase::Closed) return;
  auto self = shared_from_this();  // the loop's set may hold the last reference
  phase_ = Phase::Closed;
  if (!counted_) core_.stats.count(reason);
  core_.stats.open--;
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  boost::system::error_code ec;
  socket_.close(ec);
  request_.reset();
  loop_.connections.erase(self);
}

}  // namespace cell0::webhook
