// Why the HTTPS server closed each connection, for cell0_webhook_connections_closed_total, and
// how many are open. Every connection the server accepted ends under exactly one reason.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

namespace cell0::webhook {

struct WebhookMetrics;

enum class CloseReason {
  ClientClosed,    // the client closed or reset it (the normal end of a keep-alive connection)
  Done,            // the server said Connection: close (HTTP/1.0, the client asked, 1000th request)
  Shutdown,        // idle when the server stopped
  TlsError,        // the handshake failed: not TLS, bad version, no or untrusted client certificate
  BadRequest,      // not HTTP, or a request the server answered with 4xx and a close (400, 413, 414)
  HeaderTimeout,   // handshake + headers not complete in time (or no byte for --read-timeout)
  HeaderTooLarge,  // more than --max-header-bytes before the headers ended
  BodyTimeout,     // the body did not arrive in time
  WriteTimeout,    // the client did not read the answer in time
  IdleTimeout,     // no new request within --idle-timeout
  MaxConnections,  // over --max-connections: closed right after accept
};
constexpr std::size_t kCloseReasons = 11;
const char* close_reason_name(CloseReason reason);

// Shared with the metrics collector, which may outlive the server.
struct ConnectionStats {
  std::array<std::atomic<unsigned long long>, kCloseReasons> closed{};
  std::atomic<long long> open{0};
  void count(CloseReason reason) { closed[static_cast<std::size_t>(reason)]++; }
};

// Copies the stats into connections_closed / connections_open on every scrape.
void collect_connection_stats(WebhookMetrics& metrics, std::shared_ptr<const ConnectionStats> stats);

}  // namespace cell0::webhook
