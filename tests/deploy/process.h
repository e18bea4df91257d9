// Running the cell0-webhook binary and other commands from the deploy tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace cell0::testing {

struct CommandResult {
  int status = -1;     // exit status, -1 when it did not exit normally
  std::string output;  // stdout (and stderr when merged)
};

// Runs `command` through /bin/sh; stderr is merged into the output unless `merge_stderr` is false.
CommandResult run_command(const std::string& command, bool merge_stderr = true);

// Single-quoted for /bin/sh.
std::string shell_quote(const std::string& text);

// `cell0-webhook serve ARGS --listen 127.0.0.1:0` in the background, its log in a file; the port
// is read from its "serving" log line. SIGTERM and wait on destruction.
class ServeProcess {
 public:
  ServeProcess(const std::filesystem::path& log_file, std::vector<std::string> args);
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Waits for the "serving" line; false (and the log in `why`) when serve did not get there.
  bool wait_serving(std::chrono::seconds timeout, std::string& why);
  int port() const { return port_; }
  std::string log() const;
  // SIGTERM, then the exit status.
  int stop();

 private:
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace cell0::testing
