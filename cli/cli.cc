#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include "cli/certs_command.h"
#include "cli/offline_commands.h"
#include "cli/review_command.h"
#include "cli/serve_command.h"
#include "cli/taint_clusters_command.h"

namespace cell0::cli {

int run_cli(int argc, char** argv) {
  CLI::App app{"cell0-webhook: Karmada resource interpreter and Cell0 admission webhook"};
  app.require_subcommand(1);
  add_interpret_command(app);
  add_test_command(app);
  add_review_command(app);
  add_serve_command(app);
  add_certs_command(app);
  add_taint_clusters_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}

}  // namespace cell0::cli
