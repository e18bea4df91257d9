// What `serve` runs, put together from the parts beside it: the HTTPS server with /interpreter,
// /mutate and /validate, the reloaders that keep its customizations (InterpreterRules), admission
// policy (AdmissionPolicy) and certificate current, and the controllers (Controllers). One
// metrics registry, served at /metrics, collects what every part counts.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "cli/admission_policy.h"
#include "cli/interpreter_rules.h"
#include "cli/serve_controllers.h"
#include "cli/serve_settings.h"
#include "cli/stop_signals.h"
#include "common/metrics.h"
#include "webhook/admission_metrics.h"
#include "webhook/cert_reloader.h"
#include "webhook/server.h"
#include "webhook/webhook_metrics.h"

namespace cell0::cli {

class Service {
 public:
  // Sets every part up (loading customizations and policy) without listening or starting a
  // thread. Null, after logging why, when there is no usable serving certificate or the taint
  // reconciler's credentials are unusable.
  static std::unique_ptr<Service> create(const ServeConfig& config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Binds the listener, then starts the reloaders, the controllers and the server's thread.
  // False, after logging why, when the listener cannot bind.
  bool start();
  // After start(): waits for a stop signal (or for the server to end on its own), then shuts
  // down. For --shutdown-delay /readyz answers 503 and every answer carries Connection: close
  // while the server still accepts (a second signal ends the delay); then everything stops and
  // requests in flight have --shutdown-grace to finish, past which the process exits at once.
  // The exit status: 0 after a signal, 1 when the server ended by itself.
  int serve_until_stopped(const StopSignals& signals);
  // Stops the server, the controllers and the reloaders. Any number of times.
  void stop();

 private:
  explicit Service(const ServeConfig& config);
  void set_up_server(const std::filesystem::path& cert_file, const std::filesystem::path& key_file);
  webhook::Readiness readiness() const;

  const ServeConfig config_;
  common::MetricsRegistry registry_;
  webhook::WebhookMetrics metrics_;
  InterpreterRules rules_;
  AdmissionPolicy policy_;
  std::unique_ptr<Controllers> controllers_;
  std::unique_ptr<webhook::AdmissionMetrics> admission_metrics_;  // the majority gate's decisions
  std::unique_ptr<webhook::Server> server_;                       // after what its endpoints read
  std::unique_ptr<webhook::CertReloader> cert_reloader_;
  std::atomic<bool> finished_{false};  // the server's run() returned
  std::thread serving_;
};

}  // namespace cell0::cli
