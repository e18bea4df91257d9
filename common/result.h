// Errors as values at module boundaries (C++20 has no std::expected). Whatever can fail returns
// common::Result<T>: a T or a common::Error; what has nothing to return gives Result<Done>.
//
// The kind says what went wrong in words every module shares. Only webhook/ maps a kind to an
// HTTP or review status, and only cli/ turns an error into a message and an exit status.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cell0::common {

enum class ErrorKind {
  // Interpreting an object (interpreters/) and the requests that ask for it (webhook/):
  NoHook,      // no customization handles this kind and operation: a normal answer, not a fault
  BadRequest,  // the request itself is unusable (missing object, wrong shape)
  Syntax,      // a script does not compile
  Runtime,     // a script raised an error or returned the wrong type
  Timeout,     // a script ran past its deadline; an API call got no complete answer in time
  Memory,      // a script ran past its memory budget
  Conversion,  // a value could not cross between JSON and Lua
  // What is read and checked before use:
  Config,   // a configuration is unusable: customization, policy or kubeconfig file, serve settings
  Invalid,  // an input is malformed: YAML, an object given on the command line, a name, an address
  Io,       // a file cannot be read, written or created; a socket cannot be bound
  Tls,      // OpenSSL refused a certificate, key or chain, or TLS could not be set up
  // A Kubernetes API server (kube/; http_status and reason say more):
  Api,          // it answered with an error status (404, 409 Conflict, 410 Expired, ...)
  Unavailable,  // no usable answer (cannot connect, connection lost, not JSON, stopped), or not ready yet
};

// The kind as messages print it: "Timeout", "NoHook", ...
std::string_view error_kind_name(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::Invalid;
  std::string message;
  // From a Kubernetes API call: the HTTP status of the answer (0: no answer came) and the
  // metav1.Status reason (Conflict, Expired, ...) or what failed on the way (Timeout, TLS, ...).
  int http_status = 0;
  std::string reason = {};

  // The message behind the HTTP status and reason when they are set: "HTTP 409 Conflict: ...".
  std::string text() const;
  // The same error with `prefix` in front of the message (e.g. "FILE: ").
  Error with_prefix(const std::string& prefix) const;
};

// For operations with nothing to return.
struct Done {};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)
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

}  // namespace cell0::common
