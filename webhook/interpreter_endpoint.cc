#include "webhook/interpreter_endpoint.h"

#include "webhook/interpreter_codec.h"

namespace cell0::webhook {
namespace {

std::string result_label(const interp::Result<interp::InterpretResult>& result) {
  if (result) return "ok";
  switch (result.error().kind) {
    case interp::ErrorKind::NoHook: return "no_hook";
    case interp::ErrorKind::BadRequest: return "bad_request";
    case interp::ErrorKind::Syntax: return "syntax_error";
    case interp::ErrorKind::Runtime: return "runtime_error";
    case interp::ErrorKind::Timeout: return "timeout";
    case interp::ErrorKind::Memory: return "memory_error";
    case interp::ErrorKind::Conversion: return "conversion_error";
    case interp::ErrorKind::Config: return "config_error";
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
    if (const auto* refused = std::get_if<InterpreterCodecError>(&decoded)) {
      reply.http_status = refused->uid.empty() ? 400 : 200;
      reply.body = encode_interpreter_failure(refused->uid, refused->code, refused->message);
      reply.result = "bad_request";
      reply.log_fields = {{"uid", refused->uid}, {"error", refused->message}};
      reply.operation = known_operation(body);
      return reply;
    }
    const auto& call = std::get<InterpreterCall>(decoded);
    const auto result = interpret(call.request);
    reply.body = encode_interpreter_response(call, result);
    reply.operation = interp::operation_name(call.request.operation);
    reply.kind = call.kind;
    reply.result = result_label(result);
    reply.log_fields = {{"uid", call.uid},
                        {"apiVersion", call.api_version},
                        {"name", call.name},
                        {"namespace", call.namespace_}};
    if (!result) reply.log_fields["error"] = result.error().message;
    return reply;
  };
  return endpoint;
}

}  // namespace cell0::webhook
