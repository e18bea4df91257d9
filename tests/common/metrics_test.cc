#include "common/metrics.h"

#include <catch2/catch.hpp>

using namespace cell0::common;

TEST_CASE("counters and gauges render in the text format", "[metrics]") {
  MetricsRegistry registry;
  auto& requests = registry.counter("x_requests_total", "Requests.", {"endpoint", "result"});
  auto& ready = registry.gauge("x_ready", "Ready.");
  requests.inc({"/interpreter", "ok"});
  requests.inc({"/interpreter", "ok"});
  requests.inc({"/interpreter", "bad \"quoted\"\n"});
  ready.set(1);
  const std::string text = registry.render();
  CHECK(text.find("# HELP x_requests_total Requests.\n# TYPE x_requests_total counter\n") != std::string::npos);
  CHECK(text.find("x_requests_total{endpoint=\"/interpreter\",result=\"ok\"} 2\n") != std::string::npos);
  CHECK(text.find(R"(result="bad \"quoted\"\n"} 1)") != std::string::npos);
  CHECK(text.find("# TYPE x_ready gauge\nx_ready 1\n") != std::string::npos);
  CHECK(requests.value({"/interpreter", "ok"}) == 2);
  CHECK_THROWS(requests.inc({"only-one"}));
}

TEST_CASE("histograms are cumulative with +Inf, sum and count", "[metrics]") {
  MetricsRegistry registry;
  auto& latency = registry.histogram("x_seconds", "Latency.", {"op"}, {0.005, 0.025, 0.1, 0.5, 1, 2.5});
  latency.observe({"a"}, 0.001);
  latency.observe({"a"}, 0.05);
  latency.observe({"a"}, 3);
  const std::string text = registry.render();
  CHECK(text.find("x_seconds_bucket{op=\"a\",le=\"0.005\"} 1\n") != std::string::npos);
  CHECK(text.find("x_seconds_bucket{op=\"a\",le=\"0.025\"} 1\n") != std::string::npos);
  CHECK(text.find("x_seconds_bucket{op=\"a\",le=\"0.1\"} 2\n") != std::string::npos);
  CHECK(text.find("x_seconds_bucket{op=\"a\",le=\"2.5\"} 2\n") != std::string::npos);
  CHECK(text.find("x_seconds_bucket{op=\"a\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("x_seconds_sum{op=\"a\"} 3.051\n") != std::string::npos);
  CHECK(text.find("x_seconds_count{op=\"a\"} 3\n") != std::string::npos);
  CHECK(latency.count({"a"}) == 3);
}

TEST_CASE("the default latency buckets include the apiserver's", "[metrics]") {
  for (double b : {0.005, 0.025, 0.1, 0.5, 1.0, 2.5}) {
    CHECK(std::find(kLatencyBuckets.begin(), kLatencyBuckets.end(), b) != kLatencyBuckets.end());
  }
}

TEST_CASE("collectors run before every render", "[metrics]") {
  MetricsRegistry registry;
  auto& runs = registry.counter("x_runs_total", "Runs.");
  int calls = 0;
  registry.add_collector([&] { runs.set_total({}, ++calls * 10); });
  CHECK(registry.render().find("x_runs_total 10\n") != std::string::npos);
  CHECK(registry.render().find("x_runs_total 20\n") != std::string::npos);
}
