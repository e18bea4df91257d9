// A subcommand as run_cli (cli.cc) runs it: add_*_command registers the flags and returns the
// action to run once the command line is parsed. The action returns the exit status (0, or a
// verdict such as review's 1 for "denied"), or an error that run_cli prints as
// "error: <message>" before exiting with failure_status. No command throws to end itself.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "common/result.h"

namespace CLI {
class App;
}

namespace cell0::cli {

struct Command {
  CLI::App* app = nullptr;  // the subcommand the action belongs to
  int failure_status = 1;   // the exit status when the action returns an error
  std::function<common::Result<int>()> run;
};

// What the command line gave is unusable: a flag's value, a file's content.
inline common::Error input_error(std::string message) {
  return common::Error{common::ErrorKind::Invalid, std::move(message)};
}

}  // namespace cell0::cli
