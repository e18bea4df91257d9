#include "cli/serve_controllers.h"

#include <spdlog/spdlog.h>

#include "cli/serve_settings.h"
#include "common/log.h"
#include "policies/zone_policy.h"

namespace cell0::cli {

std::unique_ptr<Controllers> Controllers::create(const ServeConfig& config, webhook::PolicySource policy,
                                                 common::MetricsRegistry& registry) {
  std::unique_ptr<Controllers> c(new Controllers());
  if (config.reconcile_taints() && !c->set_up_taints(config, std::move(policy), registry)) return nullptr;
  if (config.watch_cell0_namespaces()) c->set_up_namespace_cache(config, registry);
  return c;
}

bool Controllers::set_up_taints(const ServeConfig& config, webhook::PolicySource policy,
                                common::MetricsRegistry& registry) {
  auto connection = kube::resolve_kube_connection(config.kubeconfig.string(), config.kube_context, config.in_cluster);
  if (!connection) {
    common::log_event(spdlog::level::critical, "cannot set up the taint reconciler",
                      {{"error", connection.error().message}});
    return false;
  }
  for (const auto& w : connection->warnings) common::log_event(spdlog::level::warn, w);
  controllers::PureControlSource rule = [policy]() -> std::optional<policies::PureControl> {
    const auto p = policy();
    if (!p) return std::nullopt;
    return p->pure_control;
  };
  reconciler_metrics_ = std::make_unique<controllers::ReconcilerMetrics>(registry);
  taints_ = std::make_unique<controllers::TaintReconciler>(
      std::move(*connection), std::move(rule), controllers::TaintReconcilerOptions{}, reconciler_metrics_.get());
  // Issue 16: the anydoor placement reconciler reads the taint reconciler's inventory (one watch).
  placement_metrics_ = std::make_unique<controllers::PlacementMetrics>(registry);
  placements_ = std::make_unique<controllers::PlacementReconciler>(
      taints_->connection(), std::move(policy), [this] { return taints_->cache().shared(); },
      controllers::PlacementReconcilerOptions{}, placement_metrics_.get());
  return true;
}

// The zone rules' namespace opt-in by annotation (DESIGN.md "Cell0 two-AZ zone policies").
void Controllers::set_up_namespace_cache(const ServeConfig& config, common::MetricsRegistry& registry) {
  auto connection = kube::resolve_kube_connection(config.cell0_kubeconfig.string(), "", config.cell0_in_cluster);
  if (!connection) {
    // The other rules and the interpreter do not need the cache: serve on, names only (/readyz).
    cell0_credentials_error_ = connection.error().message;
    common::log_event(spdlog::level::err,
                      "cannot set up the Cell0 namespace cache; zone rules use namespace names only",
                      {{"error", cell0_credentials_error_}});
    return;
  }
  for (const auto& w : connection->warnings) common::log_event(spdlog::level::warn, w);
  controllers::NamespaceCacheOptions options;
  options.annotation_keys = {policies::kZoneOptInAnnotation};
  namespace_metrics_ = std::make_unique<controllers::NamespaceCacheMetrics>(registry);
  cell0_namespaces_ =
      std::make_unique<controllers::NamespaceCache>(std::move(*connection), options, namespace_metrics_.get());
}

void Controllers::start() {
  if (taints_) taints_->start();
  if (placements_) placements_->start();
  if (cell0_namespaces_) cell0_namespaces_->start();
}

void Controllers::stop() {
  if (placements_) placements_->stop();
  if (taints_) taints_->stop();
  if (cell0_namespaces_) cell0_namespaces_->stop();
}

void Controllers::policy_changed() {
  if (taints_) taints_->resync();
}

webhook::ClusterSource Controllers::clusters() const {
  if (!taints_) return {};
  return [this] { return taints_->cache().shared(); };
}

webhook::NamespaceSource Controllers::namespaces() const {
  if (!cell0_namespaces_) return {};
  return [this] { return cell0_namespaces_->shared(); };
}

// The cache does not gate readiness: without it the rules still hold for the namespaces named by
// zones.namespaces.
std::string Controllers::zone_namespace_mode() const {
  const std::string annotation = std::string(policies::kZoneOptInAnnotation) + "=\"true\"";
  if (!cell0_credentials_error_.empty()) {
    return "names only: zones.namespaces globs (Cell0 credentials unusable: " + cell0_credentials_error_ + ")";
  }
  if (!cell0_namespaces_) return "names only: zones.namespaces globs (no Cell0 credentials, no namespace cache)";
  const auto view = cell0_namespaces_->shared();
  const std::string error = cell0_namespaces_->last_error();
  if (!view)
    return "names only until the Cell0 namespace cache lists" + (error.empty() ? std::string() : " (" + error + ")");
  return "names and annotation " + annotation + ": namespace cache of " + std::to_string(view->size()) + " namespaces" +
         (error.empty() ? std::string() : " (last view kept; " + error + ")");
}

}  // namespace cell0::cli
