#include "common/metrics.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace cell0::common {

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

MetricFamily::MetricFamily(std::string name, std::string help, std::string type, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), type_(std::move(type)), labels_(std::move(labels)) {}

std::string MetricFamily::label_text(const LabelValues& values, const std::string& extra) const {
  std::string out;
  for (std::size_t i = 0; i < labels_.size() && i < values.size(); ++i) {
    if (!out.empty()) out += ',';
    out += labels_[i] + "=\"" + escape_label_value(values[i]) + '"';
  }
  if (!extra.empty()) {
    if (!out.empty()) out += ',';
    out += extra;
  }
  return out.empty() ? out : '{' + out + '}';
}

void MetricFamily::render_header(std::string& out) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, help_, name_, type_);
}

namespace {

void check_arity(const std::vector<std::string>& labels, const LabelValues& values, const std::string& name) {
  if (labels.size() != values.size()) {
    throw std::invalid_argument(
        fmt::format("metric {}: {} label values for {} labels", name, values.size(), labels.size()));
  }
}

}  // namespace

Counter::Counter(std::string name, std::string help, std::vector<std::string> labels)
    : MetricFamily(std::move(name), std::move(help), "counter", std::move(labels)) {}

void Counter::inc(const LabelValues& values, double by) {
  check_arity(labels_, values, name_);
  std::lock_guard lock(mutex_);
  values_[values] += by;
}

void Counter::set_total(const LabelValues& values, double total) {
  check_arity(labels_, values, name_);
  std::lock_guard lock(mutex_);
  values_[values] = total;
}

double Counter::value(const LabelValues& values) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(values);
  return it == values_.end() ? 0 : it->second;
}

void Counter::render(std::string& out) const {
  render_header(out);
  std::lock_guard lock(mutex_);
  if (values_.empty() && labels_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, v] : values_) out += name_ + label_text(labels) + ' ' + format_metric_value(v) + '\n';
}

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> labels)
    : MetricFamily(std::move(name), std::move(help), "gauge", std::move(labels)) {}

void Gauge::set(const LabelValues& values, double v) {
  check_arity(labels_, values, name_);
  std::lock_guard lock(mutex_);
  values_[values] = v;
}

void Gauge::add(const LabelValues& values, double by) {
  check_arity(labels_, values, name_);
  std::lock_guard lock(mutex_);
  values_[values] += by;
}

double Gauge::value(const LabelValues& values) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(values);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::render(std::string& out) const {
  render_header(out);
  std::lock_guard lock(mutex_);
  if (values_.empty() && labels_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, v] : values_) out += name_ + label_text(labels) + ' ' + format_metric_value(v) + '\n';
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> labels, std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), "histogram", std::move(labels)), buckets_(std::move(buckets)) {}

void Histogram::observe(const LabelValues& values, double v) {
  check_arity(labels_, values, name_);
  std::lock_guard lock(mutex_);
  Series& s = series_[values];
  if (s.counts.empty()) s.counts.assign(buckets_.size(), 0);
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (v <= buckets_[i]) {
      ++s.counts[i];
      break;
    }
  }
  s.sum += v;
  ++s.count;
}

std::uint64_t Histogram::count(const LabelValues& values) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::render(std::string& out) const {
  render_header(out);
  std::lock_guard lock(mutex_);
  for (const auto& [labels, s] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += s.counts[i];
      out += fmt::format("{}_bucket{} {}\n", name_,
                         label_text(labels, "le=\"" + format_metric_value(buckets_[i]) + '"'), cumulative);
    }
    out += fmt::format("{}_bucket{} {}\n", name_, label_text(labels, "le=\"+Inf\""), s.count);
    out += fmt::format("{}_sum{} {}\n", name_, label_text(labels), format_metric_value(s.sum));
    out += fmt::format("{}_count{} {}\n", name_, label_text(labels), s.count);
  }
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto family = std::make_unique<Counter>(name, help, std::move(labels));
  Counter& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto family = std::make_unique<Gauge>(name, help, std::move(labels));
  Gauge& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                                      std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  auto family = std::make_unique<Histogram>(name, help, std::move(labels), std::move(buckets));
  Histogram& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

void MetricsRegistry::add_collector(std::function<void()> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  for (const auto& collect : collectors_) collect();
  std::string out;
  for (const auto& family : families_) family->render(out);
  return out;
}

}  // namespace cell0::common
