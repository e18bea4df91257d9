#include "interpreters/error.h"

namespace cell0::interp {

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
  }
  return "Error";
}

}  // namespace cell0::interp
