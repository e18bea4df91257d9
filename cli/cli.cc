#include "cli/cli.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/certs_command.h"
#include "cli/command.h"
#include "cli/offline_commands.h"
#include "cli/review_command.h"
#include "cli/serve_command.h"
#include "cli/taint_clusters_command.h"

namespace cell0::cli {
namespace {

// The exit status of a command's action; its error is printed as one line.
int run_command(const Command& command) {
  std::string message;
  try {
    const common::Result<int> status = command.run();
    if (status) return *status;
    message = status.error().message;
  } catch (const std::exception& e) {  // not an error a command reports: a bug or an exhausted resource
    message = e.what();
  }
  std::cerr << "error: " << message << "\n";
  return command.failure_status;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"cell0-webhook: Karmada resource interpreter and Cell0 admission webhook"};
  app.require_subcommand(1);
  std::vector<Command> commands;
  commands.push_back(add_interpret_command(app));
  commands.push_back(add_test_command(app));
  commands.push_back(add_review_command(app));
  commands.push_back(add_serve_command(app));
  commands.push_back(add_certs_command(app));
  commands.push_back(add_taint_clusters_command(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (const Command& command : commands) {
    if (command.app->parsed()) return run_command(command);
  }
  return 0;
}

}  // namespace cell0::cli
