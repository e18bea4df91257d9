// The JSON Patch (RFC 6902) both review kinds answer with: from the object the request carried to
// the one the webhook returns.
#pragma once

#include <nlohmann/json.hpp>

namespace cell0::webhook {

// The operations turning `before` into `after`; an empty array when they are equal.
nlohmann::json json_patch(const nlohmann::json& before, const nlohmann::json& after);

// Sets response.patchType = "JSONPatch" and response.patch (base64 of the patch) when the objects
// differ; leaves both fields absent when nothing changed, as the apiserver and Karmada expect.
void set_response_patch(nlohmann::json& response, const nlohmann::json& before, const nlohmann::json& after);

}  // namespace cell0::webhook
