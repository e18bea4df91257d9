// Kubernetes name syntax (apimachinery validation): label keys, label values, DNS subdomains.
#pragma once

#include <string_view>

namespace cell0::policies {

// [prefix/]name: prefix a DNS subdomain (<= 253), name <= 63 of [A-Za-z0-9._-] with
// alphanumeric ends. Label keys, annotation keys and taint keys share it.
bool is_qualified_name(std::string_view text);
// Empty, or <= 63 of [A-Za-z0-9._-] with alphanumeric ends.
bool is_label_value(std::string_view text);
// Lower-case RFC 1123 labels joined by '.', <= 253.
bool is_dns_subdomain(std::string_view text);

// '*' matches any run of characters (also none), '?' exactly one.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace cell0::policies
