// Errors as values at module boundaries. Only webhook/ maps a kind to an HTTP or review status.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

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

// A value or an Error. Small on purpose: C++20 has no std::expected.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}        // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace cell0::interp
