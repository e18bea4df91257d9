#include "common/result.h"

namespace cell0::common {

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NoHook:
      return "NoHook";
    case ErrorKind::BadRequest:
      return "BadRequest";
    case ErrorKind::Syntax:
      return "Syntax";
    case ErrorKind::Runtime:
      return "Runtime";
    case ErrorKind::Timeout:
      return "Timeout";
    case ErrorKind::Memory:
      return "Memory";
    case ErrorKind::Conversion:
      return "Conversion";
    case ErrorKind::Config:
      return "Config";
    case ErrorKind::Invalid:
      return "Invalid";
    case ErrorKind::Io:
      return "Io";
    case ErrorKind::Tls:
      return "Tls";
    case ErrorKind::Api:
      return "Api";
    case ErrorKind::Unavailable:
      return "Unavailable";
  }
  return "Error";
}

std::string Error::text() const {
  std::string out = http_status == 0 ? std::string() : "HTTP " + std::to_string(http_status);
  if (!reason.empty()) out += (out.empty() ? "" : " ") + reason;
  if (!message.empty()) out += (out.empty() ? "" : ": ") + message;
  return out;
}

Error Error::with_prefix(const std::string& prefix) const {
  Error out = *this;
  out.message = prefix + message;
  return out;
}

}  // namespace cell0::common
