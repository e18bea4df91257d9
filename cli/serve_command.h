// `cell0-webhook serve`: the HTTPS interpreter webhook (see serve_settings.h for the flags).
#pragma once

#include "cli/command.h"

namespace cell0::cli {

struct ServeConfig;

Command add_serve_command(CLI::App& app);

// Serves until SIGTERM or SIGINT, then drains for up to the shutdown grace (service.h). Exit
// status.
int run_serve(const ServeConfig& config);

}  // namespace cell0::cli
