// The certificate pair `serve` presents: --tls-cert/--tls-key, or the pair generated (once, then
// reused) in --state-dir for the names of --tls-san.
#pragma once

#include <filesystem>
#include <utility>

#include "common/result.h"

namespace cell0::cli {

struct ServeConfig;

// The certificate and key files; generating logs where they are.
common::Result<std::pair<std::filesystem::path, std::filesystem::path>> serving_certificate_files(
    const ServeConfig& config);

}  // namespace cell0::cli
