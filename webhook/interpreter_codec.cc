#include "webhook/interpreter_codec.h"

#include <fmt/format.h>

#include "common/json_fields.h"
#include "webhook/json_patch.h"

namespace cell0::webhook {
namespace {

using nlohmann::json;

common::Error bad(std::string message) { return common::Error{common::ErrorKind::BadRequest, std::move(message)}; }

json envelope(const std::string& uid, bool successful, int code) {
  return json{{"apiVersion", kInterpreterApiVersion},
              {"kind", kInterpreterKind},
              {"response", {{"uid", uid}, {"successful", successful}, {"status", {{"code", code}}}}}};
}

// The request of a sound envelope: apiVersion and kind right where given, a request with a uid.
common::Result<const json*> sound_request(const json& body) {
  if (!body.is_object()) return bad("the body must be a JSON object (a ResourceInterpreterContext)");
  const std::string api_version = common::string_member(body, "apiVersion");
  const std::string kind = common::string_member(body, "kind");
  if (body.contains("apiVersion") && api_version != kInterpreterApiVersion) {
    return bad(fmt::format("unsupported apiVersion \"{}\": expected {}", api_version, kInterpreterApiVersion));
  }
  if (body.contains("kind") && kind != kInterpreterKind) {
    return bad(fmt::format("unsupported kind \"{}\": expected {}", kind, kInterpreterKind));
  }
  auto req_it = body.find("request");
  if (req_it == body.end() || !req_it->is_object()) return bad("missing request");
  if (common::string_member(*req_it, "uid").empty()) return bad("missing request.uid");
  return &*req_it;
}

}  // namespace

std::string interpreter_refusal_uid(const json& body) {
  const auto req = sound_request(body);
  return req ? common::string_member(**req, "uid") : "";
}

common::Result<InterpreterCall> decode_interpreter_request(const json& body) {
  const auto req_or = sound_request(body);
  if (!req_or) return req_or.error();
  const json& req = **req_or;

  InterpreterCall call;
  call.uid = common::string_member(req, "uid");
  const std::string op_name = common::string_member(req, "operation");
  const auto op = interp::parse_operation(op_name);
  if (!op) return bad(fmt::format("wrong request operation type: {}", op_name.empty() ? "(none)" : op_name));
  call.request.operation = *op;

  auto obj = req.find("object");
  if (obj == req.end() || !obj->is_object()) return bad("missing request.object");
  call.api_version = common::string_member(*obj, "apiVersion");
  call.kind = common::string_member(*obj, "kind");
  if (call.api_version.empty() || call.kind.empty()) return bad("request.object has no apiVersion or kind");
  if (auto meta = obj->find("metadata"); meta != obj->end() && meta->is_object()) {
    call.name = common::string_member(*meta, "name");
    call.namespace_ = common::string_member(*meta, "namespace");
  }
  call.request.object = *obj;

  if (*op == interp::Operation::Retain) {
    auto observed = req.find("observedObject");
    if (observed == req.end() || !observed->is_object()) return bad("Retain needs request.observedObject");
    call.request.observed = *observed;
  }
  if (auto replicas = req.find("replicas"); replicas != req.end() && !replicas->is_null()) {
    if (!replicas->is_number_integer()) return bad("request.replicas must be an integer");
    call.request.replicas = replicas->get<std::int64_t>();
  }
  if (auto items = req.find("aggregatedStatus"); items != req.end() && !items->is_null()) {
    if (!items->is_array()) return bad("request.aggregatedStatus must be a list");
    call.request.status_items = *items;
  }
  return call;
}

int status_code_for(common::ErrorKind kind) {
  switch (kind) {
    case common::ErrorKind::BadRequest:
      return 400;
    case common::ErrorKind::NoHook:
      return 404;
    default:
      return 500;
  }
}

std::string encode_interpreter_failure(const std::string& uid, int code, const std::string& message) {
  json body = envelope(uid, false, code);
  body["response"]["status"]["message"] = message;
  return body.dump();
}

std::string encode_interpreter_response(const InterpreterCall& call,
                                        const common::Result<interp::InterpretResult>& result) {
  if (!result) {
    const common::Error& e = result.error();
    return encode_interpreter_failure(call.uid, status_code_for(e.kind),
                                      fmt::format("{}: {}", common::error_kind_name(e.kind), e.message));
  }
  const interp::InterpretResult& r = *result;
  json body = envelope(call.uid, true, 200);
  json& response = body["response"];
  std::string raw_status;
  switch (call.request.operation) {
    case interp::Operation::InterpretReplica:
      response["replicas"] = r.replicas;
      if (!r.requirements.is_null()) response["replicaRequirements"] = r.requirements;
      break;
    case interp::Operation::InterpretComponent:
      response["components"] = r.components.is_null() ? json::array() : r.components;
      break;
    case interp::Operation::ReviseReplica:
    case interp::Operation::Retain:
    case interp::Operation::AggregateStatus:
      if (!r.object.is_object()) {
        return encode_interpreter_failure(call.uid, 500, "Runtime: the rule returned no object");
      }
      set_response_patch(response, call.request.object, r.object);  // ReviseReplica, Retain, AggregateStatus
      break;
    case interp::Operation::InterpretStatus:
      raw_status = r.raw_status.empty() ? "null" : r.raw_status;
      if (!json::accept(raw_status)) {
        return encode_interpreter_failure(call.uid, 500, "Conversion: the rule's status is not valid JSON");
      }
      break;
    case interp::Operation::InterpretHealth:
      response["healthy"] = r.healthy;
      break;
    case interp::Operation::InterpretDependency:
      response["dependencies"] = r.dependencies.is_null() ? json::array() : r.dependencies;
      break;
  }
  std::string text = body.dump();
  if (!raw_status.empty()) {
    // The engine's bytes go in verbatim (Karmada stores them as they are); the dump ends in "}}".
    text.insert(text.size() - 2, ",\"rawStatus\":" + raw_status);
  }
  return text;
}

}  // namespace cell0::webhook
