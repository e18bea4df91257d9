// The offline subcommands: `interpret` (flag-compatible with `karmadactl interpret`) and `test`
// (Karmada's conformance format).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace cell0::cli {

Command add_interpret_command(CLI::App& app);
Command add_test_command(CLI::App& app);

}  // namespace cell0::cli
