// Base64 (RFC 4648, with padding) as Kubernetes carries bytes in JSON: patches, caBundle,
// kubeconfig *-data fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cell0::common {

std::string base64_encode(std::string_view data);
// Nothing on malformed input (wrong length or characters outside the alphabet).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cell0::common
