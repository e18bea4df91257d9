// The command line: subcommands interpret, test, serve, review, certs, taint-clusters.
#pragma once

namespace cell0::cli {

int run_cli(int argc, char** argv);

}  // namespace cell0::cli
