// AdmissionReview decoding and the policies chain behind /mutate and /validate, under each
// whitelist enforcement; and the WebhookPolicy loader. The first byte picks the path:
//   0 /mutate (Reject)  1 /validate (Strip)  2 /mutate (Warn)  3 WebhookPolicy YAML
// Every review must get a well-formed AdmissionReview reply; a policy either loads or says why.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/json_depth.h"
#include "common/yaml_json.h"
#include "policies/policy_config.h"
#include "webhook/admission_endpoint.h"

namespace {

std::shared_ptr<const cell0::policies::Policy> policy_with(cell0::policies::Enforcement e) {
  auto policy = std::make_shared<cell0::policies::Policy>();
  policy->whitelist.enforcement = e;
  return policy;
}

void fuzz_policy_yaml(const std::string& text) {
  const auto docs = cell0::common::parse_yaml_documents(text);
  if (!docs) return;
  for (const auto& doc : *docs) {
    auto policy = cell0::policies::parse_policy(doc);
    if (!policy && policy.error().message.empty()) __builtin_trap();  // a refusal must say why
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using cell0::policies::Enforcement;
  static const auto reject = policy_with(Enforcement::Reject);
  static const auto strip = policy_with(Enforcement::Strip);
  static const auto warn = policy_with(Enforcement::Warn);
  static const cell0::webhook::JsonEndpoint endpoints[] = {
      cell0::webhook::mutate_endpoint([] { return reject; }),
      cell0::webhook::validate_endpoint([] { return strip; }),
      cell0::webhook::mutate_endpoint([] { return warn; }),
  };
  if (size == 0) return 0;
  const unsigned path = data[0] % 4;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (path == 3) {
    fuzz_policy_yaml(text);
    return 0;
  }
  if (cell0::common::json_nesting_depth(text, 512) > 512) return 0;
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  const auto reply = endpoints[path].handle(body);
  const auto parsed = nlohmann::json::parse(reply.body);  // must be valid JSON
  if (reply.http_status == 200 && !parsed.contains("response")) __builtin_trap();
  return 0;
}
