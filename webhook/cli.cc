#include "webhook/cli.h"

#include <CLI/CLI.hpp>

namespace cell0::webhook {

int run_cli(int argc, char** argv) {
  CLI::App app{"cell0-webhook: Karmada resource interpreter and Cell0 admission webhook"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace cell0::webhook
