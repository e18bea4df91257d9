#include "controllers/backoff.h"

#include <algorithm>

namespace cell0::controllers {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter)
    : initial_(initial), max_(max), step_(initial), jitter_(jitter), random_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
  std::uniform_real_distribution<double> factor(1 - jitter_, 1 + jitter_);
  const auto delay =
      std::chrono::milliseconds(static_cast<long long>(static_cast<double>(step_.count()) * factor(random_)));
  step_ = std::min(step_ * 2, max_);
  return delay;
}

void StopSignal::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  wake_.notify_all();
}

bool StopSignal::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stopped_.load(); });
  return !stopped_;
}

}  // namespace cell0::controllers
