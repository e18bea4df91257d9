#include "controllers/backoff.h"

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

using cell0::controllers::Backoff;
using cell0::controllers::StopSignal;
using std::chrono::milliseconds;

TEST_CASE("backoff doubles from the initial step up to the cap, each delay within the jitter") {
  Backoff backoff(milliseconds(100), milliseconds(700), 0.2);
  for (const long long step : {100, 200, 400, 700, 700}) {
    const auto delay = backoff.next().count();
    INFO("step " << step << ", delay " << delay);
    CHECK(delay >= step * 8 / 10);
    CHECK(delay <= step * 12 / 10);
  }
}

TEST_CASE("backoff without jitter is exact, and reset starts again from the initial step") {
  Backoff backoff(milliseconds(50), milliseconds(1000), 0.0);
  CHECK(backoff.next() == milliseconds(50));
  CHECK(backoff.next() == milliseconds(100));
  backoff.reset();
  CHECK(backoff.next() == milliseconds(50));
}

TEST_CASE("a stop signal ends a sleep at once and every later one") {
  StopSignal signal;
  CHECK(signal.sleep_for(milliseconds(1)));
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(20));
    signal.stop();
  });
  const auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(signal.sleep_for(std::chrono::minutes(5)));
  stopper.join();
  // Minutes of margin: only a sleep that ignored stop() takes the full 5 minutes.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::minutes(1));
  CHECK(signal.stopped());
  CHECK_FALSE(signal.sleep_for(std::chrono::minutes(5)));
}
