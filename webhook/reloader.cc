#include "webhook/reloader.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/log.h"

namespace cell0::webhook {
namespace {

namespace fs = std::filesystem;

std::string file_line(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  const auto mtime = fs::last_write_time(p, ec);
  if (ec) return p.string() + " ?\n";
  return fmt::format("{} {} {}\n", p.string(), size, mtime.time_since_epoch().count());
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

}  // namespace

std::string files_fingerprint(const std::vector<fs::path>& paths) {
  std::vector<std::string> lines;
  for (const auto& root : paths) {
    std::error_code ec;
    if (!fs::exists(root, ec)) {
      lines.push_back(root.string() + " missing\n");
    } else if (!fs::is_directory(root, ec)) {
      lines.push_back(file_line(root));
    } else {
      for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().filename().string().starts_with('.')) {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(ec)) lines.push_back(file_line(it->path()));
      }
      if (ec) lines.push_back(root.string() + " unreadable: " + ec.message() + '\n');
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

Reloader::Reloader(std::vector<fs::path> paths, LoadFn load, WebhookMetrics& metrics, std::chrono::milliseconds interval,
                   std::string subject)
    : paths_(std::move(paths)), load_(std::move(load)), metrics_(metrics), interval_(interval), subject_(std::move(subject)) {}

Reloader::~Reloader() { stop(); }

bool Reloader::load_now() {
  const std::string fingerprint = files_fingerprint(paths_);
  const auto start = std::chrono::steady_clock::now();
  LoadOutcome outcome;
  try {
    outcome = load_(paths_);
  } catch (const std::exception& e) {
    outcome = LoadOutcome{false, std::string("unexpected error: ") + e.what(), 0, 0};
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  metrics_.reloads.inc();
  std::lock_guard lock(mutex_);
  loaded_fingerprint_ = fingerprint;
  ++status_.attempts;
  if (outcome.ok) {
    status_.ready = true;
    status_.customizations = outcome.customizations;
    status_.last_error.clear();
    status_.last_success = std::chrono::system_clock::now();
    metrics_.last_reload_success.set(
        std::chrono::duration<double>(status_.last_success.time_since_epoch()).count());
    metrics_.customizations.set(static_cast<double>(outcome.customizations));
    common::log_event(spdlog::level::info, subject_ + " loaded",
              {{"customizations", outcome.customizations}, {"files", outcome.files}, {"durationMs", ms}});
  } else {
    status_.last_error = outcome.error;
    metrics_.reload_failures.inc();
    common::log_event(spdlog::level::err, status_.ready ? subject_ + " reload failed; keeping the last good set"
                                                : subject_ + " failed to load",
              {{"error", outcome.error}, {"durationMs", ms}});
  }
  metrics_.customizations_ready.set(status_.ready ? 1 : 0);
  return outcome.ok;
}

void Reloader::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(wake_mutex_);
    stop_requested_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void Reloader::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reloader::loop() {
  std::string pending;  // a changed fingerprint waiting to hold still for one poll
  std::unique_lock lock(wake_mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_requested_; })) {
    lock.unlock();
    const std::string now = files_fingerprint(paths_);
    bool changed = false;
    {
      std::lock_guard status_lock(mutex_);
      changed = now != loaded_fingerprint_;
    }
    if (!changed) {
      pending.clear();
    } else if (now == pending) {
      common::log_event(spdlog::level::info, subject_ + " files changed; reloading");
      load_now();
      pending.clear();
    } else {
      pending = now;
    }
    lock.lock();
  }
}

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
