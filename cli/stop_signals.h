// SIGTERM and SIGINT for `serve`: blocked in every thread and taken with sigtimedwait by the main
// thread, so no handler runs in signal context.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>

namespace cell0::cli {

class StopSignals {
 public:
  // Blocks the signals in this thread and every thread it starts later: make it before the first.
  StopSignals();

  // Waits for a stop signal or for `done`; the signal number, or 0.
  int wait(const std::atomic<bool>& done) const;
  // Waits up to `limit` for another stop signal or for `done`.
  void wait_at_most(std::chrono::milliseconds limit, const std::atomic<bool>& done) const;

 private:
  sigset_t set_;
};

}  // namespace cell0::cli
