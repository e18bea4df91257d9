// Errors as values at module boundaries. Only webhook/ maps a kind to an HTTP or review status.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace cell0::interp {

enum class ErrorKind {
  NoHook,      // no customization handles this kind and operation: a normal answer, not a fault
  BadRequest,  // the request itself is unusable (missing object, wrong shape)
  Syntax,      // a script does not compile
  Runtime,     // a script raised an error or returned the wrong type
  Timeout,     // a script ran past its deadline
  Memory,      // a script ran past its memory budget
  Conversion,  // a value could not cross between JSON and Lua
  Config,      // a customization file is unusable
};

std::string_view error_kind_name(ErrorKind kind);

struct Error {
  ErrorKind kind;
  std::string message;
};

template <typename T>
using Result = common::Result<T, Error>;

}  // namespace cell0::interp
