#include "webhook/admission_codec.h"

#include "common/json_fields.h"
#include "webhook/json_patch.h"

namespace cell0::webhook {

using nlohmann::json;

namespace {

json envelope(json response) {
  return {{"apiVersion", kAdmissionApiVersion}, {"kind", kAdmissionKind}, {"response", std::move(response)}};
}

const json* review_request(const json& body) {
  return body.is_object() && body.contains("request") && body["request"].is_object() ? &body["request"] : nullptr;
}

}  // namespace

std::string admission_refusal_uid(const json& body) {
  const json* request = review_request(body);
  return request ? common::string_member(*request, "uid") : "";
}

common::Result<AdmissionCall> decode_admission_review(const json& body) {
  auto refuse = [](std::string message) { return common::Error{common::ErrorKind::BadRequest, std::move(message)}; };
  if (!body.is_object()) return refuse("the body is not an AdmissionReview object");
  const json* request = review_request(body);
  const std::string uid = request ? common::string_member(*request, "uid") : "";
  const std::string api_version = common::string_member(body, "apiVersion");
  const std::string kind = common::string_member(body, "kind");
  if (kind != kAdmissionKind) return refuse("expected kind AdmissionReview, got \"" + kind + "\"");
  if (api_version != kAdmissionApiVersion) {
    return refuse("unsupported AdmissionReview version \"" + api_version +
                  "\": register the webhook with admissionReviewVersions [v1]");
  }
  if (!request) return refuse("AdmissionReview has no request");
  if (uid.empty()) return refuse("request.uid is missing");

  AdmissionCall call;
  call.uid = uid;
  call.operation = common::string_member(*request, "operation");
  const auto operation = policies::parse_operation(call.operation);
  if (!operation) {
    return refuse("request.operation \"" + call.operation + "\" is not CREATE, UPDATE, DELETE or CONNECT");
  }
  call.input.operation = *operation;
  if (auto it = request->find("kind"); it != request->end() && !it->is_null()) {
    if (!it->is_object()) return refuse("request.kind must be an object {group, version, kind}");
    call.input.group = common::string_member(*it, "group");
    call.input.version = common::string_member(*it, "version");
    call.input.kind = common::string_member(*it, "kind");
  }
  if (call.input.kind.empty()) return refuse("request.kind.kind is missing");
  call.kind = call.input.kind;
  for (const char* key : {"object", "oldObject"}) {
    auto it = request->find(key);
    if (it == request->end() || it->is_null()) continue;
    if (!it->is_object()) return refuse(std::string("request.") + key + " must be an object");
    (std::string_view(key) == "object" ? call.input.object : call.input.old_object) = *it;
  }
  const bool needs_object =
      call.input.operation == policies::Operation::Create || call.input.operation == policies::Operation::Update;
  if (needs_object && call.input.object.is_null()) return refuse("request.object is missing for " + call.operation);
  if (call.input.operation == policies::Operation::Update && call.input.old_object.is_null()) {
    return refuse("request.oldObject is missing for UPDATE");
  }
  // The registrations match only main resources; a subresource write that reaches us anyway
  // (a wildcard rule in some overlay) must still never be judged as the object itself.
  call.input.sub_resource = common::string_member(*request, "subResource");
  call.name = common::string_member(*request, "name");
  call.namespace_ = common::string_member(*request, "namespace");
  call.input.namespace_ = call.namespace_;
  if (auto it = request->find("dryRun"); it != request->end() && it->is_boolean()) call.dry_run = it->get<bool>();
  return call;
}

json encode_admission_response(const std::string& uid, const policies::Decision& decision, const json& request_object,
                               bool with_patch) {
  json response = {{"uid", uid}, {"allowed", decision.allowed}};
  if (!decision.allowed) {
    response["status"] = {{"code", decision.code == 0 ? 403 : decision.code}, {"message", decision.message}};
  } else if (with_patch && !request_object.is_null()) {
    set_response_patch(response, request_object, decision.object);
  }
  if (!decision.warnings.empty()) response["warnings"] = decision.warnings;
  if (!decision.audit_annotations.empty()) response["auditAnnotations"] = decision.audit_annotations;
  return envelope(std::move(response));
}

json encode_admission_failure(const std::string& uid, int code, const std::string& message) {
  return envelope({{"uid", uid}, {"allowed", false}, {"status", {{"code", code}, {"message", message}}}});
}

}  // namespace cell0::webhook
