#include "cli/stop_signals.h"

#include <algorithm>

namespace cell0::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Short enough for `done` to be seen soon after it is set.
constexpr std::chrono::nanoseconds kTick = std::chrono::milliseconds(200);

}  // namespace

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int StopSignals::wait(const std::atomic<bool>& done) const {
  const timespec tick{0, static_cast<long>(kTick.count())};
  while (!done) {
    siginfo_t info{};
    const int sig = sigtimedwait(&set_, &info, &tick);
    if (sig > 0) return sig;
  }
  return 0;
}

void StopSignals::wait_at_most(std::chrono::milliseconds limit, const std::atomic<bool>& done) const {
  const auto end = Clock::now() + limit;
  while (!done && Clock::now() < end) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(end - Clock::now());
    const auto step = std::clamp<std::chrono::nanoseconds>(left, std::chrono::nanoseconds::zero(), kTick);
    const timespec wait{0, static_cast<long>(step.count())};
    siginfo_t info{};
    if (sigtimedwait(&set_, &info, &wait) > 0) return;
  }
}

}  // namespace cell0::cli
