#include "cli/admission_policy.h"

#include "cli/serve_settings.h"
#include "webhook/webhook_metrics.h"

namespace cell0::cli {
namespace {

std::vector<std::filesystem::path> watched(const std::filesystem::path& file) {
  if (file.empty()) return {};
  return {file};
}

}  // namespace

AdmissionPolicy::AdmissionPolicy(const ServeConfig& config, common::MetricsRegistry& registry)
    : store_(config.policy),
      reloader_(
          watched(config.policy), [this](const auto&) { return load(); }, webhook::policy_reload_metrics(registry),
          std::chrono::seconds(1), "admission policy") {
  if (!store_.file().empty()) reloader_.load_now();
}

common::Result<webhook::LoadedSet> AdmissionPolicy::load() {
  common::Result<webhook::LoadedSet> outcome = store_.load();
  std::lock_guard lock(listener_mutex_);
  if (outcome && listener_) listener_();
  return outcome;
}

webhook::PolicySource AdmissionPolicy::source() const {
  return [this] { return store_.current(); };
}

void AdmissionPolicy::on_reload(std::function<void()> listener) {
  std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

void AdmissionPolicy::start() {
  if (!store_.file().empty()) reloader_.start();
}

void AdmissionPolicy::stop() { reloader_.stop(); }

void AdmissionPolicy::add_readiness(webhook::Readiness& r) const {
  r.detail["policy"] = store_.file().empty() ? "default" : store_.file().string();
  if (!store_.current()) {
    r.ready = false;
    r.detail["reason"] = "no admission policy loaded yet";
  }
  if (const webhook::ReloadStatus status = reloader_.status(); !status.last_error.empty()) {
    r.detail["lastPolicyError"] = status.last_error;
  }
}

}  // namespace cell0::cli
