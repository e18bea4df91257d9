// Errors as values for the certs module (it depends on nothing but OpenSSL and a header of common/).
#pragma once

#include <string>

#include "common/result.h"

namespace cell0::certs {

struct Error {
  std::string message;
};

template <typename T>
using Result = common::Result<T, Error>;

// For operations with nothing to return.
struct Done {};

}  // namespace cell0::certs
