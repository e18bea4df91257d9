#include "webhook/connection_stats.h"

#include "webhook/webhook_metrics.h"

namespace cell0::webhook {

const char* close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::ClientClosed:
      return "client_closed";
    case CloseReason::Done:
      return "connection_close";
    case CloseReason::Shutdown:
      return "shutdown";
    case CloseReason::TlsError:
      return "tls_error";
    case CloseReason::BadRequest:
      return "bad_request";
    case CloseReason::HeaderTimeout:
      return "header_timeout";
    case CloseReason::HeaderTooLarge:
      return "header_too_large";
    case CloseReason::BodyTimeout:
      return "body_timeout";
    case CloseReason::WriteTimeout:
      return "write_timeout";
    case CloseReason::IdleTimeout:
      return "idle_timeout";
    case CloseReason::MaxConnections:
      return "max_connections";
  }
  return "unknown";
}

void collect_connection_stats(WebhookMetrics& metrics, std::shared_ptr<const ConnectionStats> stats) {
  metrics.registry.add_collector(
      [&closed = metrics.connections_closed, &open = metrics.connections_open, stats = std::move(stats)] {
        for (std::size_t i = 0; i < kCloseReasons; ++i) {
          closed.set_total({close_reason_name(static_cast<CloseReason>(i))}, static_cast<double>(stats->closed[i]));
        }
        open.set(static_cast<double>(stats->open.load()));
      });
}

}  // namespace cell0::webhook
