// What the admission chain may know about a namespace beyond its name: its annotations, from the
// namespace cache `serve` keeps when it has credentials for the Cell0 cluster
// (controllers/namespace_cache.h). The zone rules read their opt-in annotation from it.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace cell0::policies {

using NamespaceAnnotations = std::map<std::string, std::string>;

// An immutable view of every namespace (name -> annotations) shared by the readers of one moment.
// Null: no cache (`review`, serve without Cell0 credentials, or before the first list): only
// namespace names count.
using NamespaceSnapshot = std::shared_ptr<const std::map<std::string, NamespaceAnnotations>>;

}  // namespace cell0::policies
