#include "webhook/server.h"

#include <algorithm>
#include <cctype>
#include <thread>

namespace cell0::webhook {

std::size_t server_threads(std::size_t configured) {
  // Handlers that may block an event loop at once; the Lua state pool has the same size.
  return configured > 0 ? configured : std::max<std::size_t>(16, 4 * std::thread::hardware_concurrency());
}

common::Result<std::pair<std::string, int>> parse_listen_address(const std::string& text) {
  auto invalid = [](std::string message) { return common::Error{common::ErrorKind::Invalid, std::move(message)}; };
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid("invalid listen address \"" + text + "\": expected [IPv6]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return invalid("invalid listen address \"" + text + "\": expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return invalid("invalid listen address \"" + text + "\": write IPv6 hosts as [addr]:port");
    }
  }
  if (host.empty()) host = "0.0.0.0";
  int value = -1;
  const bool digits = !port.empty() && port.size() <= 5 &&
                      std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  if (digits) value = std::stoi(port);
  if (value < 0 || value > 65535) return invalid("invalid port in listen address \"" + text + "\"");
  return std::pair{host, value};
}

}  // namespace cell0::webhook
