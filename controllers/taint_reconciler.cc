#include "controllers/taint_reconciler.h"

#include <algorithm>

#include "common/log.h"

namespace cell0::controllers {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string name_of(const json& cluster) {
  const json meta = cluster.value("metadata", json::object());
  return meta.is_object() ? meta.value("name", "") : "";
}

std::string version_of(const json& cluster) {
  const json meta = cluster.value("metadata", json::object());
  return meta.is_object() ? meta.value("resourceVersion", "") : "";
}

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

bool PassResult::all_hold() const {
  if (list_error) return false;
  return std::all_of(clusters.begin(), clusters.end(), [](const ClusterOutcome& c) {
    return c.error.empty() && (c.action == policies::TaintAction::None || c.changed);
  });
}

TaintReconciler::TaintReconciler(kube::KubeConnection connection, policies::PureControl rule,
                                 TaintReconcilerOptions options, ReconcilerMetrics* metrics)
    : TaintReconciler(
          std::move(connection), [rule = std::move(rule)]() -> std::optional<policies::PureControl> { return rule; },
          options, metrics) {}

TaintReconciler::TaintReconciler(kube::KubeConnection connection, PureControlSource rule,
                                 TaintReconcilerOptions options, ReconcilerMetrics* metrics)
    : client_(std::move(connection), options.client),
      rule_(std::move(rule)),
      options_(options),
      metrics_(metrics),
      backoff_(options.backoff_initial, options.backoff_max, options.jitter) {}

TaintReconciler::~TaintReconciler() { stop(); }

void TaintReconciler::count(common::Counter* family, const common::LabelValues& labels) {
  if (family) family->inc(labels);
}

std::string TaintReconciler::cluster_path(const std::string& name) const {
  return std::string(kClustersPath) + "/" + name;
}

ClusterOutcome TaintReconciler::reconcile(json cluster, bool dry_run) {
  ClusterOutcome out;
  out.name = name_of(cluster);
  common::Counter* reconciles = metrics_ ? &metrics_->reconciles : nullptr;
  auto failed = [&](const std::string& stage, const common::Error& e) {
    out.error = e.text();
    count(reconciles, {"error"});
    count(metrics_ ? &metrics_->errors : nullptr, {stage});
    common::log_event(spdlog::level::warn, "cannot reconcile the cluster taint",
                      {{"cluster", out.name}, {"stage", stage}, {"error", out.error}});
    return out;
  };
  const std::optional<policies::PureControl> rule = rule_();
  if (!rule) return failed("policy", {common::ErrorKind::Unavailable, "no admission policy loaded yet", 0, "NoPolicy"});
  for (int attempt = 1;; ++attempt) {
    const policies::ClusterTaintPlan plan = policies::plan_cluster_taint(cluster, *rule);
    // Whether the cluster carried the taint when first seen (for taint-clusters' table).
    if (attempt == 1) out.had_taint = plan.pure_control == (plan.action == policies::TaintAction::None);
    out.pure_control = plan.pure_control;
    out.action = plan.action;
    if (plan.action == policies::TaintAction::None) {
      count(reconciles, {"unchanged"});
      return out;
    }
    if (dry_run) {
      count(reconciles, {"planned"});
      return out;
    }
    auto patched = client_.json_patch(cluster_path(out.name), plan.patch, version_of(cluster));
    if (patched) {
      out.changed = true;
      count(reconciles, {"patched"});
      count(metrics_ ? &metrics_->patches : nullptr, {std::string(policies::taint_action_name(plan.action))});
      cache_.upsert(policies::cluster_info_from(*patched));
      common::log_event(spdlog::level::info,
                        plan.action == policies::TaintAction::Add       ? "added the pure-control taint"
                        : plan.action == policies::TaintAction::Replace ? "replaced variants of the pure-control taint"
                                                                        : "removed the pure-control taint",
                        {{"cluster", out.name},
                         {"taint", policies::taint_text(rule->taint)},
                         {"resourceVersion", version_of(*patched)}});
      return out;
    }
    const common::Error& e = patched.error();
    if (e.http_status == 404) {  // deleted meanwhile: nothing left to keep
      cache_.remove(out.name);
      out.action = policies::TaintAction::None;
      return out;
    }
    // 409: the resourceVersion test failed; 422: a `test` of a taint element failed. Either way
    // the cluster changed since we read it: plan again from a fresh copy.
    if ((e.http_status == 409 || e.http_status == 422) && attempt < options_.max_patch_attempts) {
      ++out.conflicts;
      if (metrics_) metrics_->conflicts.inc();
      auto fresh = client_.get(cluster_path(out.name));
      if (!fresh) {
        if (fresh.error().http_status == 404) {
          cache_.remove(out.name);
          out.action = policies::TaintAction::None;
          return out;
        }
        return failed("get", fresh.error());
      }
      cluster = std::move(*fresh);
      continue;
    }
    return failed("patch", e);
  }
}

PassResult TaintReconciler::run_once(bool dry_run) {
  PassResult result;
  auto listed = client_.list(kClustersPath);
  if (!listed) {
    result.list_error = listed.error();
    count(metrics_ ? &metrics_->errors : nullptr, {"list"});
    return result;
  }
  result.resource_version = listed->resource_version;
  std::vector<policies::ClusterInfo> infos;
  for (const auto& item : listed->items) infos.push_back(policies::cluster_info_from(item));
  cache_.replace(std::move(infos));
  if (metrics_) metrics_->cache_size.set(static_cast<double>(cache_.size()));
  for (auto& item : listed->items) {
    if (stop_.stopped()) break;
    result.clusters.push_back(reconcile(std::move(item), dry_run));
  }
  if (!dry_run && result.all_hold() && metrics_) metrics_->last_sync.set(unix_now());
  return result;
}

void TaintReconciler::start() {
  if (thread_.joinable()) return;
  const auto rule = rule_();
  common::log_event(spdlog::level::info, "starting the pure-control taint reconciler",
                    {{"server", client_.connection().server},
                     {"source", client_.connection().source},
                     {"taint", rule ? policies::taint_text(rule->taint) : "(no policy yet)"},
                     {"clusterLabel", rule ? rule->cluster_label : ""},
                     {"clusterNames", rule ? rule->cluster_names : std::vector<std::string>{}}});
  thread_ = std::thread([this] { run(); });
}

void TaintReconciler::resync() {
  resync_ = true;
  client_.interrupt();
}

void TaintReconciler::stop() {
  stop_.stop();
  client_.cancel();
  if (thread_.joinable()) thread_.join();
}

void TaintReconciler::run() {
  while (!stop_.stopped()) {
    resync_ = false;
    const PassResult pass = run_once(false);
    if (stop_.stopped()) break;
    if (pass.list_error) {
      common::log_event(spdlog::level::warn, "cannot list clusters", {{"error", pass.list_error->text()}});
      if (!sleep_backoff()) break;
      continue;
    }
    if (!pass.all_hold()) {
      if (!sleep_backoff()) break;
      continue;
    }
    watch_until_failure(pass.resource_version);  // everything after the list arrives through it
  }
}

void TaintReconciler::watch_until_failure(std::string resource_version) {
  const auto listed_at = Clock::now();
  common::Counter* restarts = metrics_ ? &metrics_->watch_restarts : nullptr;
  while (!stop_.stopped()) {
    std::string failure;
    const kube::WatchOutcome outcome =
        client_.watch(kClustersPath, resource_version, [&](const kube::WatchEvent& event) {
          if (event.type == "BOOKMARK") return !stop_.stopped();
          if (event.type == "DELETED") {
            cache_.remove(name_of(event.object));
          } else {
            cache_.upsert(policies::cluster_info_from(event.object));
            const ClusterOutcome done = reconcile(event.object, false);
            if (!done.error.empty()) failure = done.error;
          }
          if (metrics_) metrics_->cache_size.set(static_cast<double>(cache_.size()));
          return failure.empty() && !stop_.stopped() && !resync_;
        });
    if (stop_.stopped() || resync_) return;
    if (!failure.empty()) {
      count(restarts, {"failed"});
      sleep_backoff();
      return;
    }
    resource_version = outcome.resource_version;
    switch (outcome.end) {
      case kube::WatchEnd::Closed:
        backoff_.reset();
        count(restarts, {"timeout"});
        if (Clock::now() - listed_at >= options_.resync_period || resync_) return;
        continue;
      case kube::WatchEnd::Gone:
        count(restarts, {"gone"});
        common::log_event(spdlog::level::info, "cluster watch expired; listing again",
                          {{"resourceVersion", resource_version}, {"error", outcome.error.text()}});
        return;
      case kube::WatchEnd::Failed:
        count(restarts, {"failed"});
        count(metrics_ ? &metrics_->errors : nullptr, {"watch"});
        common::log_event(spdlog::level::warn, "cluster watch failed; listing again after a pause",
                          {{"resourceVersion", resource_version}, {"error", outcome.error.text()}});
        if (outcome.events > 0) backoff_.reset();
        sleep_backoff();
        return;
      case kube::WatchEnd::Stopped:
        return;
    }
  }
}

}  // namespace cell0::controllers
