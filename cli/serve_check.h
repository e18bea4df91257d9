// `serve --check-config`: loads and checks everything `serve` would use, without listening.
#pragma once

namespace cell0::cli {

struct ServeConfig;

// Reports on stdout and stderr; 0 when all is well, else 1.
int check_serve_config(const ServeConfig& config);

}  // namespace cell0::cli
