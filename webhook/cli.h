// The command line: subcommands interpret, test, serve, review, certs, taint-clusters.
#pragma once

namespace cell0::webhook {

int run_cli(int argc, char** argv);

}  // namespace cell0::webhook
