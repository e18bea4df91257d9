#include "webhook/json_patch.h"

#include "common/base64.h"

namespace cell0::webhook {

nlohmann::json json_patch(const nlohmann::json& before, const nlohmann::json& after) {
  if (before == after) return nlohmann::json::array();  // the common case, without diff's walk
  return nlohmann::json::diff(before, after);
}

void set_response_patch(nlohmann::json& response, const nlohmann::json& before, const nlohmann::json& after) {
  const nlohmann::json patch = json_patch(before, after);
  if (patch.empty()) return;
  response["patchType"] = "JSONPatch";
  response["patch"] = common::base64_encode(patch.dump());
}

}  // namespace cell0::webhook
