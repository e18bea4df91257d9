// ResourceInterpreterContext (config.karmada.io/v1alpha1) on the wire: decoding a request into an
// interp::InterpretRequest and encoding the engine's answer (reference §1.3). Free of HTTP.
//
// Status codes in unsuccessful answers (Karmada treats any successful:false as a call error and
// shows "webhook call failed, get status code: <code>, msg: <message>"):
//   400  the request is unusable (bad envelope, missing uid/object, unknown operation) or the
//        engine reported BadRequest
//   404  no customization handles the object's apiVersion/kind for this operation (NoHook): the
//        webhook configuration routes a kind here that no loaded customization covers
//   500  a rule failed: Syntax, Runtime, Timeout, Memory, Conversion or Config; the message starts
//        with the error kind, e.g. "Timeout: ..."
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "interpreters/engine.h"

namespace cell0::webhook {

inline constexpr std::string_view kInterpreterApiVersion = "config.karmada.io/v1alpha1";
inline constexpr std::string_view kInterpreterKind = "ResourceInterpreterContext";

struct InterpreterCall {
  std::string uid;
  interp::InterpretRequest request;
  std::string api_version;  // of the object, for logs and metrics
  std::string kind;
  std::string name;
  std::string namespace_;
};

// BadRequest when the request is refused before reaching the engine; the refusal echoes
// interpreter_refusal_uid(body).
common::Result<InterpreterCall> decode_interpreter_request(const nlohmann::json& body);
// request.uid once the envelope is sound (apiVersion, kind, a request with a uid), else empty.
std::string interpreter_refusal_uid(const nlohmann::json& body);

int status_code_for(common::ErrorKind kind);

// The full response body. A successful result becomes the operation's fields; an error becomes
// successful:false with the code above and a message naming the cause.
std::string encode_interpreter_response(const InterpreterCall& call,
                                        const common::Result<interp::InterpretResult>& result);
std::string encode_interpreter_failure(const std::string& uid, int code, const std::string& message);

}  // namespace cell0::webhook
