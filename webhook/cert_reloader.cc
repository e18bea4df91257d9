#include "webhook/cert_reloader.h"

#include <fmt/format.h>

#include "certs/pem.h"
#include "common/log.h"

namespace cell0::webhook {
namespace {

namespace fs = std::filesystem;
using SystemClock = std::chrono::system_clock;

std::string rfc3339(SystemClock::time_point t) {
  const std::time_t secs = SystemClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

double unix_seconds(SystemClock::time_point t) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

std::optional<std::string> expiry_warning(SystemClock::time_point not_after, SystemClock::time_point now,
                                          std::chrono::hours warn_before) {
  const auto left = not_after - now;
  if (left > warn_before) return std::nullopt;
  if (left <= SystemClock::duration::zero()) return std::string("serving certificate has expired; renew it now");
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(left).count();
  if (hours < 48) return fmt::format("serving certificate expires in {} hours; renew it", hours);
  return fmt::format("serving certificate expires in {} days; renew it", hours / 24);
}

CertReloader::CertReloader(fs::path cert_file, fs::path key_file, ReloadFn reload, common::MetricsRegistry& registry,
                           CertReloaderOptions options)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      reload_(std::move(reload)),
      options_(options),
      not_after_gauge_(registry.gauge("cell0_webhook_certificate_expiration_timestamp_seconds",
                                      "notAfter of the serving certificate in use, unix seconds.")),
      reload_counter_(registry.counter("cell0_webhook_certificate_reloads_total",
                                       "Reloads of the serving certificate after its files changed, by result "
                                       "(ok, error: the previous certificate stays in use).",
                                       {"result"})),
      poller_([files = std::vector<fs::path>{cert_file_, key_file_}] { return common::contents_fingerprint(files); },
              [this] { return reload_pair(); }, options_.interval,
              [this] {
                std::lock_guard lock(mutex_);
                warn_if_due(false);
              }) {
  // Taken before the server reads the files, so a change in between is seen as one.
  poller_.mark_loaded(poller_.fingerprint());
}

CertReloader::~CertReloader() { stop(); }

void CertReloader::loaded_at_start() {
  std::lock_guard lock(mutex_);
  record_loaded("serving certificate loaded");
}

void CertReloader::record_loaded(const char* event) {
  auto end = certs::read_not_after(cert_file_);
  if (!end) {
    common::log_event(spdlog::level::warn, "cannot read notAfter of the serving certificate",
                      {{"certFile", cert_file_.string()}, {"error", end.error().message}});
    return;
  }
  not_after_ = *end;
  not_after_gauge_.set(unix_seconds(*end));
  common::log_event(spdlog::level::info, event, {{"certFile", cert_file_.string()}, {"notAfter", rfc3339(*end)}});
  warn_if_due(true);
}

void CertReloader::warn_if_due(bool force) {
  if (!not_after_) return;
  const auto now = SystemClock::now();
  const auto warning = expiry_warning(*not_after_, now, options_.warn_before);
  if (!warning || (!force && now - last_warning_ < options_.warn_every)) return;
  last_warning_ = now;
  common::log_event(spdlog::level::warn, *warning,
                    {{"certFile", cert_file_.string()}, {"notAfter", rfc3339(*not_after_)}});
}

bool CertReloader::poll() { return poller_.poll(); }

// The files changed and held still for one poll: a pair written file by file is complete.
bool CertReloader::reload_pair() {
  std::lock_guard lock(mutex_);
  auto reloaded = reload_();
  if (!reloaded) {
    ++failures_;
    reload_counter_.inc({"error"});
    common::log_event(
        spdlog::level::err, "serving certificate reload failed; the previous certificate stays in use",
        {{"certFile", cert_file_.string()}, {"keyFile", key_file_.string()}, {"error", reloaded.error().message}});
    return false;
  }
  ++reloads_;
  reload_counter_.inc({"ok"});
  record_loaded("serving certificate reloaded");
  return true;
}

void CertReloader::start() { poller_.start(); }

void CertReloader::stop() { poller_.stop(); }

std::uint64_t CertReloader::reloads() const {
  std::lock_guard lock(mutex_);
  return reloads_;
}

std::uint64_t CertReloader::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

}  // namespace cell0::webhook
