#include "cli/service.h"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/serving_certificate.h"
#include "common/log.h"
#include "webhook/interpreter_endpoint.h"

namespace cell0::cli {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

std::unique_ptr<Service> Service::create(const ServeConfig& config) {
  auto files = serving_certificate_files(config);
  if (!files) {
    common::log_event(spdlog::level::critical, "cannot set up TLS", {{"error", files.error().message}});
    return nullptr;
  }
  std::unique_ptr<Service> service(new Service(config));
  service->controllers_ = Controllers::create(config, service->policy_.source(), service->registry_);
  if (!service->controllers_) return nullptr;
  service->set_up_server(files->first, files->second);
  return service;
}

Service::Service(const ServeConfig& config)
    : config_(config), metrics_(registry_), rules_(config, metrics_), policy_(config, registry_) {}

Service::~Service() {
  if (!serving_.joinable()) return;
  stop();
  serving_.join();
}

void Service::set_up_server(const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
  webhook::ServerOptions options = config_.server;
  options.cert_file = cert_file;
  options.key_file = key_file;
  server_ = std::make_unique<webhook::Server>(options, metrics_);
  // Made before bind(), so a change while the server reads the files still counts as one.
  cert_reloader_ = std::make_unique<webhook::CertReloader>(
      cert_file, key_file, [this] { return server_->reload_certificates(); }, registry_);

  admission_metrics_ = std::make_unique<webhook::AdmissionMetrics>(registry_);
  const webhook::ClusterSource clusters = controllers_->clusters();
  const webhook::NamespaceSource namespaces = controllers_->namespaces();
  webhook::JsonEndpoint mutate = webhook::mutate_endpoint(policy_.source(), clusters, namespaces);
  mutate.max_body_bytes = config_.max_admission_bytes;
  webhook::JsonEndpoint validate =
      webhook::validate_endpoint(policy_.source(), clusters, namespaces, admission_metrics_.get());
  validate.max_body_bytes = config_.max_admission_bytes;
  // /interpreter keeps the server's limit, --max-request-bytes.
  server_->add_json_endpoint("/interpreter", webhook::interpreter_endpoint(rules_.engine));
  server_->add_json_endpoint("/mutate", std::move(mutate));
  server_->add_json_endpoint("/validate", std::move(validate));
  server_->set_readiness_probe([this] { return readiness(); });
}

webhook::Readiness Service::readiness() const {
  webhook::Readiness r = rules_.reloader.readiness();
  r.detail["zoneNamespaces"] = controllers_->zone_namespace_mode();
  policy_.add_readiness(r);
  return r;
}

bool Service::start() {
  if (auto bound = server_->bind(); !bound) {
    common::log_event(spdlog::level::critical, "cannot start the server", {{"error", bound.error().message}});
    return false;
  }
  cert_reloader_->loaded_at_start();
  cert_reloader_->start();
  rules_.reloader.start();
  policy_.start();
  controllers_->start();
  policy_.on_reload([this] { controllers_->policy_changed(); });
  serving_ = std::thread([this] {
    server_->run();
    finished_ = true;
  });
  common::log_event(spdlog::level::info, "serving",
                    {{"listen", fmt::format("{}:{}", config_.server.host, server_->port())},
                     {"clientCA", config_.server.client_ca_file.string()},
                     {"endpoints", {"/interpreter", "/mutate", "/validate", "/healthz", "/readyz", "/metrics"}}});
  return true;
}

int Service::serve_until_stopped(const StopSignals& signals) {
  const int sig = signals.wait(finished_);
  common::log_event(spdlog::level::info, "shutting down",
                    {{"signal", sig == 0 ? "none" : strsignal(sig)},
                     {"delayMs", config_.shutdown_delay.count()},
                     {"graceMs", config_.shutdown_grace.count()}});
  // Kubernetes removes the pod from the endpoints while it already runs SIGTERM, and apiservers
  // keep reusing their connections until that has propagated: go on answering (503 on /readyz,
  // Connection: close on every answer) for the delay; a second signal cuts it short.
  server_->begin_drain();
  if (sig != 0) signals.wait_at_most(config_.shutdown_delay, finished_);
  const auto deadline = Clock::now() + config_.shutdown_grace;
  stop();
  while (!finished_ && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!finished_) {
    // Workers still busy past the grace period: leave without waiting for them.
    common::log_event(spdlog::level::warn, "requests still running after the shutdown grace; exiting anyway");
    spdlog::shutdown();
    std::_Exit(0);
  }
  serving_.join();
  common::log_event(spdlog::level::info, "stopped");
  return sig == 0 ? 1 : 0;  // without a signal the server stopped on its own: an error
}

void Service::stop() {
  server_->stop();
  policy_.on_reload({});
  controllers_->stop();
  rules_.reloader.stop();
  policy_.stop();
  cert_reloader_->stop();
}

}  // namespace cell0::cli
