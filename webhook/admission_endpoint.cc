#include "webhook/admission_endpoint.h"

#include "webhook/admission_codec.h"

namespace cell0::webhook {

namespace {

using nlohmann::json;

enum class Pass { Mutate, Validate };

// Only the kinds the webhook owns become metric labels, so a client cannot grow the label set.
std::string kind_label(const AdmissionCall& call, const policies::Decision& d) { return d.owned ? call.kind : "other"; }

JsonEndpoint admission_endpoint(PolicySource source, ClusterSource clusters, NamespaceSource namespaces,
                                AdmissionMetrics* metrics, Pass pass) {
  JsonEndpoint endpoint;
  endpoint.error_body = [](int status, const std::string& message) {
    return encode_admission_failure("", status, message).dump();
  };
  endpoint.handle = [source = std::move(source), clusters = std::move(clusters), namespaces = std::move(namespaces),
                     metrics, pass](const json& body) {
    JsonReply reply;
    auto decoded = decode_admission_review(body);
    if (!decoded) {
      const std::string uid = admission_refusal_uid(body);
      reply.http_status = 400;
      reply.body = encode_admission_failure(uid, 400, decoded.error().message).dump();
      reply.result = "bad_request";
      reply.log_fields = {{"uid", uid}, {"error", decoded.error().message}};
      return reply;
    }
    AdmissionCall& call = *decoded;
    reply.operation = call.operation;
    reply.log_fields = {
        {"uid", call.uid}, {"name", call.name}, {"namespace", call.namespace_}, {"dryRun", call.dry_run}};
    const auto policy = source();
    if (!policy) {
      reply.body = encode_admission_failure(call.uid, 503, "no admission policy is loaded yet (see /readyz)").dump();
      reply.result = "no_policy";
      reply.kind = "other";
      return reply;
    }
    if (clusters) call.input.clusters = clusters();
    if (namespaces) call.input.namespaces = namespaces();
    const policies::Decision decision =
        pass == Pass::Mutate ? policies::mutate(call.input, *policy) : policies::validate(call.input, *policy);
    if (metrics) metrics->record(decision);
    const json response = encode_admission_response(call.uid, decision, call.input.object, pass == Pass::Mutate);
    reply.body = response.dump();
    reply.kind = kind_label(call, decision);
    reply.result = decision.allowed ? "ok" : "denied";
    reply.log_fields["allowed"] = decision.allowed;
    reply.log_fields["patched"] = response["response"].contains("patch");
    if (!decision.allowed) reply.log_fields["message"] = decision.message;
    if (!decision.warnings.empty()) reply.log_fields["warnings"] = decision.warnings;
    if (!decision.audit_annotations.empty()) reply.log_fields["rules"] = decision.audit_annotations;
    return reply;
  };
  // An UPDATE review carries object and oldObject, each up to the apiserver's 3 MiB.
  endpoint.max_body_bytes = kAdmissionMaxBodyBytes;
  return endpoint;
}

}  // namespace

JsonEndpoint mutate_endpoint(PolicySource policy, ClusterSource clusters, NamespaceSource namespaces,
                             AdmissionMetrics* metrics) {
  return admission_endpoint(std::move(policy), std::move(clusters), std::move(namespaces), metrics, Pass::Mutate);
}

JsonEndpoint validate_endpoint(PolicySource policy, ClusterSource clusters, NamespaceSource namespaces,
                               AdmissionMetrics* metrics) {
  return admission_endpoint(std::move(policy), std::move(clusters), std::move(namespaces), metrics, Pass::Validate);
}

}  // namespace cell0::webhook
