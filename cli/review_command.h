// `cell0-webhook review -f OBJECT.yaml [--old-file OLD.yaml] [--operation CREATE|UPDATE|DELETE]
// [--policy FILE]`: what `kubectl apply --dry-run=server` would show with /mutate and /validate
// registered. Prints the AdmissionReview response and the resulting object as YAML documents;
// exit 0 when allowed, 1 when denied, 2 on bad input.
#pragma once

#include "cli/command.h"

namespace cell0::cli {

Command add_review_command(CLI::App& app);

}  // namespace cell0::cli
