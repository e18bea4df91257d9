// Keeps the serving certificate current, the way the customization reloader keeps rules current:
// a background thread polls --tls-cert/--tls-key and, once a change has held still for one poll,
// asks the server to swap the pair (new handshakes get it; open connections keep theirs; a broken
// pair leaves the old one serving). It compares file *contents*, read through symlinks, because a
// Kubernetes Secret volume updates by swapping its `..data` symlink and cert-manager renewals can
// keep size and mtime unchanged. It also publishes notAfter in /metrics and warns in the log while
// the certificate is within `warn_before` of expiring (at start, on every reload, then daily).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "common/file_poller.h"
#include "common/metrics.h"
#include "common/result.h"

namespace cell0::webhook {

struct CertReloaderOptions {
  std::chrono::milliseconds interval{1000};
  std::chrono::hours warn_before{24 * 30};
  std::chrono::hours warn_every{24};
};

// The warning for a certificate ending at not_after, seen at `now`; nothing when it is not due.
std::optional<std::string> expiry_warning(std::chrono::system_clock::time_point not_after,
                                          std::chrono::system_clock::time_point now, std::chrono::hours warn_before);

class CertReloader {
 public:
  using ReloadFn = std::function<common::Result<common::Done>()>;

  // `reload` is Server::reload_certificates (or a stand-in in tests).
  CertReloader(std::filesystem::path cert_file, std::filesystem::path key_file, ReloadFn reload,
               common::MetricsRegistry& registry, CertReloaderOptions options = {});
  ~CertReloader();
  CertReloader(const CertReloader&) = delete;
  CertReloader& operator=(const CertReloader&) = delete;

  // Records the pair the server loaded at start: metrics, and the expiry warning when due.
  void loaded_at_start();
  // One poll on the caller's thread; true when the pair was reloaded.
  bool poll();
  void start();
  void stop();

  std::uint64_t reloads() const;
  std::uint64_t failures() const;

 private:
  bool reload_pair();
  void record_loaded(const char* event);
  void warn_if_due(bool force);

  std::filesystem::path cert_file_;
  std::filesystem::path key_file_;
  ReloadFn reload_;
  CertReloaderOptions options_;
  common::Gauge& not_after_gauge_;
  common::Counter& reload_counter_;

  mutable std::mutex mutex_;
  std::optional<std::chrono::system_clock::time_point> not_after_;
  std::chrono::system_clock::time_point last_warning_{};
  std::uint64_t reloads_ = 0;
  std::uint64_t failures_ = 0;

  common::FilePoller poller_;  // last: its thread calls into the members above
};

}  // namespace cell0::webhook
