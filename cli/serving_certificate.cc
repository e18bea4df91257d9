#include "cli/serving_certificate.h"

#include <spdlog/spdlog.h>

#include "certs/state_dir.h"
#include "cli/serve_settings.h"
#include "common/log.h"

namespace cell0::cli {

common::Result<std::pair<std::filesystem::path, std::filesystem::path>> serving_certificate_files(
    const ServeConfig& config) {
  if (!config.server.cert_file.empty()) return std::pair{config.server.cert_file, config.server.key_file};
  auto paths = certs::ensure_state_dir_certs(config.state_dir, config.sans);
  if (!paths) return paths.error().with_prefix("state dir " + config.state_dir.string() + ": ");
  common::log_event(
      spdlog::level::info, paths->generated ? "generated serving certificate" : "reusing serving certificate",
      {{"dir", config.state_dir.string()},
       {"caFile", paths->ca_cert.string()},
       {"sans", config.sans},
       {"notAfter", std::chrono::duration_cast<std::chrono::seconds>(paths->not_after.time_since_epoch()).count()}});
  return std::pair{paths->cert, paths->key};
}

}  // namespace cell0::cli
