#include "webhook/reloader.h"

#include <fmt/format.h>

#include "common/log.h"

namespace cell0::webhook {
namespace {

namespace fs = std::filesystem;

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

}  // namespace

Reloader::Reloader(std::vector<fs::path> paths, LoadFn load, ReloadMetrics metrics, std::chrono::milliseconds interval,
                   std::string subject)
    : paths_(std::move(paths)),
      load_(std::move(load)),
      metrics_(metrics),
      subject_(std::move(subject)),
      poller_([this] { return common::files_fingerprint(paths_); },
              [this] {
                common::log_event(spdlog::level::info, subject_ + " files changed; reloading");
                return load_now();
              },
              interval) {}

Reloader::~Reloader() { stop(); }

bool Reloader::load_now() {
  const std::string fingerprint = poller_.fingerprint();
  const auto start = std::chrono::steady_clock::now();
  const common::Result<LoadedSet> outcome = [this]() -> common::Result<LoadedSet> {
    try {
      return load_(paths_);
    } catch (const std::exception& e) {
      return common::Error{common::ErrorKind::Config, std::string("unexpected error: ") + e.what()};
    }
  }();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  metrics_.reloads.inc();
  poller_.mark_loaded(fingerprint);  // what this attempt saw
  std::lock_guard lock(mutex_);
  ++status_.attempts;
  if (outcome) {
    status_.ready = true;
    status_.customizations = outcome->customizations;
    status_.last_error.clear();
    status_.last_success = std::chrono::system_clock::now();
    if (metrics_.last_success) {
      metrics_.last_success->set(std::chrono::duration<double>(status_.last_success.time_since_epoch()).count());
    }
    if (metrics_.loaded) metrics_.loaded->set(static_cast<double>(outcome->customizations));
    common::log_event(spdlog::level::info, subject_ + " loaded",
                      {{"customizations", outcome->customizations}, {"files", outcome->files}, {"durationMs", ms}});
  } else {
    status_.last_error = outcome.error().message;
    metrics_.failures.inc();
    common::log_event(
        spdlog::level::err,
        status_.ready ? subject_ + " reload failed; keeping the last good set" : subject_ + " failed to load",
        {{"error", outcome.error().message}, {"durationMs", ms}});
  }
  if (metrics_.ready) metrics_.ready->set(status_.ready ? 1 : 0);
  return outcome.ok();
}

void Reloader::start() { poller_.start(); }

void Reloader::stop() { poller_.stop(); }

ReloadStatus Reloader::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

Readiness Reloader::readiness() const {
  const ReloadStatus s = status();
  Readiness r;
  r.ready = s.ready;
  r.detail = {{"customizations", s.customizations}};
  if (!s.ready) r.detail["reason"] = "no customizations loaded yet";
  if (!s.last_error.empty()) r.detail["lastReloadError"] = s.last_error;
  if (s.ready) r.detail["lastReloadSuccess"] = rfc3339(s.last_success);
  return r;
}

}  // namespace cell0::webhook
