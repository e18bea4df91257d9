// A small Prometheus text-format (0.0.4) registry: counters, gauges and histograms with labels.
// Families are created once at start-up and live as long as the registry; updates are
// thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cell0::common {

using LabelValues = std::vector<std::string>;

// Seconds; the apiserver's webhook latency buckets plus a few finer ones.
inline const std::vector<double> kLatencyBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::string type, std::vector<std::string> labels);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;
  virtual void render(std::string& out) const = 0;

 protected:
  std::string label_text(const LabelValues& values, const std::string& extra = {}) const;
  void render_header(std::string& out) const;

  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> labels_;
  mutable std::mutex mutex_;
};

class Counter : public MetricFamily {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> labels);
  void inc(const LabelValues& values = {}, double by = 1);
  // For totals kept elsewhere (the engine's own counters).
  void set_total(const LabelValues& values, double total);
  double value(const LabelValues& values = {}) const;
  void render(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

class Gauge : public MetricFamily {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> labels);
  void set(const LabelValues& values, double v);
  void set(double v) { set({}, v); }
  void add(const LabelValues& values, double by);
  double value(const LabelValues& values = {}) const;
  void render(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

class Histogram : public MetricFamily {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> labels, std::vector<double> buckets);
  void observe(const LabelValues& values, double v);
  std::uint64_t count(const LabelValues& values) const;
  void render(std::string& out) const override;

 private:
  struct Series {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::vector<double> buckets_;
  std::map<LabelValues, Series> series_;
};

class MetricsRegistry {
 public:
  Counter& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                       std::vector<double> buckets = kLatencyBuckets);
  // Runs before every render, to copy values kept elsewhere into gauges and counters.
  void add_collector(std::function<void()> collector);
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
  std::vector<std::function<void()>> collectors_;
};

// Label values are escaped per the text format: backslash, double quote and newline.
std::string escape_label_value(const std::string& value);
std::string format_metric_value(double v);

}  // namespace cell0::common
