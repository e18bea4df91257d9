// What every controller loop here shares: a capped exponential backoff with jitter between failed
// lists or watches, and a stop flag whose sleeps stop() cuts short.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>

namespace cell0::controllers {

class Backoff {
 public:
  // Each delay is the current step scaled by a random factor in [1 - jitter, 1 + jitter]; the
  // step starts at `initial` and doubles after every delay, up to `max`.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter);

  std::chrono::milliseconds next();
  void reset() { step_ = initial_; }  // after a success: the next failure waits `initial` again

 private:
  std::chrono::milliseconds initial_, max_, step_;
  double jitter_;
  std::mt19937 random_;
};

class StopSignal {
 public:
  void stop();
  bool stopped() const { return stopped_.load(); }
  // Sleeps `delay` or until stop(); false when stopped.
  bool sleep_for(std::chrono::milliseconds delay);

 private:
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace cell0::controllers
