// The offline subcommands: `interpret` (flag-compatible with `karmadactl interpret`) and `test`
// (Karmada's conformance format).
#pragma once

#include <CLI/CLI.hpp>

namespace cell0::cli {

void add_interpret_command(CLI::App& app);
void add_test_command(CLI::App& app);

}  // namespace cell0::cli
