// `cell0-webhook serve`: the HTTPS interpreter webhook (see serve_settings.h for the flags).
#pragma once

namespace CLI {
class App;
}

namespace cell0::cli {

struct ServeConfig;

void add_serve_command(CLI::App& app);

// Loads and checks everything `serve` would use, without listening. 0 when all is well.
int check_serve_config(const ServeConfig& config);
// Serves until SIGTERM or SIGINT, then drains for up to the shutdown grace. Exit status.
int run_serve(const ServeConfig& config);

}  // namespace cell0::cli
