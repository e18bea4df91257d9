#include "webhook/interpreter_endpoint.h"

#include "webhook/interpreter_codec.h"

namespace cell0::webhook {
namespace {

std::string result_label(const common::Result<interp::InterpretResult>& result) {
  if (result) return "ok";
  switch (result.error().kind) {
    case common::ErrorKind::NoHook:
      return "no_hook";
    case common::ErrorKind::BadRequest:
      return "bad_request";
    case common::ErrorKind::Syntax:
      return "syntax_error";
    case common::ErrorKind::Runtime:
      return "runtime_error";
    case common::ErrorKind::Timeout:
      return "timeout";
    case common::ErrorKind::Memory:
      return "memory_error";
    case common::ErrorKind::Conversion:
      return "conversion_error";
    case common::ErrorKind::Config:
      return "config_error";
    case common::ErrorKind::Invalid:  // not from the engine
    case common::ErrorKind::Io:
    case common::ErrorKind::Tls:
    case common::ErrorKind::Api:
    case common::ErrorKind::Unavailable:
      break;
  }
  return "error";
}

// The operation of a refused request, for the metrics label; only known names, so that a
// client cannot grow the label set.
std::string known_operation(const nlohmann::json& body) {
  if (!body.is_object()) return "";
  auto req = body.find("request");
  if (req == body.end() || !req->is_object()) return "";
  auto op = req->find("operation");
  if (op == req->end() || !op->is_string()) return "";
  auto parsed = interp::parse_operation(op->get<std::string>());
  return parsed ? std::string(interp::operation_name(*parsed)) : "";
}

}  // namespace

JsonEndpoint interpreter_endpoint(InterpretFn interpret) {
  JsonEndpoint endpoint;
  endpoint.error_body = [](int status, const std::string& message) {
    return encode_interpreter_failure("", status, message);
  };
  endpoint.handle = [interpret = std::move(interpret)](const nlohmann::json& body) {
    JsonReply reply;
    auto decoded = decode_interpreter_request(body);
    if (!decoded) {
      const std::string uid = interpreter_refusal_uid(body);
      const common::Error& refused = decoded.error();
      reply.http_status = uid.empty() ? 400 : 200;
      reply.body = encode_interpreter_failure(uid, status_code_for(refused.kind), refused.message);
      reply.result = "bad_request";
      reply.log_fields = {{"uid", uid}, {"error", refused.message}};
      reply.operation = known_operation(body);
      return reply;
    }
    const InterpreterCall& call = *decoded;
    const auto result = interpret(call.request);
    reply.body = encode_interpreter_response(call, result);
    reply.operation = interp::operation_name(call.request.operation);
    reply.kind = call.kind;
    reply.result = result_label(result);
    reply.log_fields = {
        {"uid", call.uid}, {"apiVersion", call.api_version}, {"name", call.name}, {"namespace", call.namespace_}};
    if (!result) reply.log_fields["error"] = result.error().message;
    return reply;
  };
  return endpoint;
}

}  // namespace cell0::webhook
