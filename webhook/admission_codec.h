// AdmissionReview (admission.k8s.io/v1) on the wire: decoding a request into a
// policies::AdmissionInput and encoding a Decision as the response. Free of HTTP.
//
// The response echoes the request uid; a mutating answer carries a JSON Patch (the diff from the
// request object to the result, base64, patchType JSONPatch) only when something changed; a
// denial carries status{code, message}; warnings and auditAnnotations when there are any.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "policies/admission_chain.h"

namespace cell0::webhook {

inline constexpr std::string_view kAdmissionApiVersion = "admission.k8s.io/v1";
inline constexpr std::string_view kAdmissionKind = "AdmissionReview";

struct AdmissionCall {
  std::string uid;
  policies::AdmissionInput input;
  std::string operation;  // as sent: CREATE, UPDATE, DELETE or CONNECT
  std::string kind;       // request.kind.kind, for logs and metrics
  std::string name;
  std::string namespace_;
  bool dry_run = false;
};

// BadRequest when the review cannot be answered (HTTP 400, review code 400); the refusal echoes
// admission_refusal_uid(body).
common::Result<AdmissionCall> decode_admission_review(const nlohmann::json& body);
// request.uid of a review, empty when it has none.
std::string admission_refusal_uid(const nlohmann::json& body);

// with_patch: a mutating answer (a validating webhook may not return a patch).
nlohmann::json encode_admission_response(const std::string& uid, const policies::Decision& decision,
                                         const nlohmann::json& request_object, bool with_patch);
// A well-formed review that refuses: allowed false, status{code, message}.
nlohmann::json encode_admission_failure(const std::string& uid, int code, const std::string& message);

}  // namespace cell0::webhook
