// The `zones:` section of the policy file (structs in policy_config.h): parsing with field-named
// errors, and the seed's default arbitration services.
#pragma once

#include <nlohmann/json.hpp>

#include "policies/policy_config.h"

namespace cell0::policies {

// Reads root["zones"] into `zones` (defaults for what is omitted); throws config::FieldError.
void read_zones(const nlohmann::json& root, Zones& zones);

}  // namespace cell0::policies
