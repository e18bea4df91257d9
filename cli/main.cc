// Composition root of cell0-webhook.
#include "cli/cli.h"

int main(int argc, char** argv) { return cell0::cli::run_cli(argc, argv); }
