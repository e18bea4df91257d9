#include "controllers/placement_reconciler.h"

#include <algorithm>

#include "common/log.h"
#include "policies/managed_placement.h"

namespace cell0::controllers {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string meta(const json& object, const char* key) {
  const json m = object.is_object() ? object.value("metadata", json::object()) : json::object();
  return m.is_object() ? m.value(key, "") : "";
}

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

PlacementMetrics::PlacementMetrics(common::MetricsRegistry& r)
    : reconciles(r.counter("cell0_placement_reconciler_reconciles_total",
                           "Policies checked against the anydoor zone placement, by result.", {"result"})),
      patches(r.counter("cell0_placement_reconciler_patches_total", "Managed placements patched.")),
      conflicts(r.counter("cell0_placement_reconciler_conflicts_total",
                          "Patches refused because the policy changed meanwhile (retried on a fresh copy).")),
      errors(r.counter("cell0_placement_reconciler_errors_total", "Failures of the placement reconciler, by stage.",
                       {"stage"})),
      managed(
          r.gauge("cell0_placement_reconciler_managed_policies", "Managed anydoor policies seen by the last pass.")),
      last_sync(r.gauge("cell0_placement_reconciler_last_sync_timestamp_seconds",
                        "Unix time of the last pass after which every managed policy held its placement.")) {}

bool PlacementPassResult::all_hold() const {
  return !error && std::all_of(policies.begin(), policies.end(), [](const auto& p) { return p.error.empty(); });
}

std::string placement_fingerprint(const policies::ClusterSnapshot& clusters) {
  if (!clusters) return "none";
  json all = json::array();
  for (const auto& c : *clusters) {
    json taints = json::array();
    for (const auto& t : c.taints) taints.push_back({t.key, t.value, t.effect});
    all.push_back({c.name, c.labels, c.zones, taints, c.ready});
  }
  return all.dump();
}

PlacementReconciler::PlacementReconciler(kube::KubeConnection connection, AdmissionPolicySource policy,
                                         ClusterSnapshotSource clusters, PlacementReconcilerOptions options,
                                         PlacementMetrics* metrics)
    : client_(std::move(connection), options.base.client),
      policy_(std::move(policy)),
      clusters_(std::move(clusters)),
      options_(options),
      metrics_(metrics) {}

PlacementReconciler::~PlacementReconciler() { stop(); }

void PlacementReconciler::count(common::Counter* family, const common::LabelValues& labels) {
  if (family) family->inc(labels);
}

std::string PlacementReconciler::object_path(const json& object) const {
  const std::string name = meta(object, "name");
  if (object.value("kind", "") == "ClusterPropagationPolicy")
    return std::string(kClusterPropagationPoliciesPath) + "/" + name;
  return "/apis/policy.karmada.io/v1alpha1/namespaces/" + meta(object, "namespace") + "/propagationpolicies/" + name;
}

PlacementOutcome PlacementReconciler::reconcile(json object, const policies::ClusterSnapshot& clusters,
                                                const policies::Policy& policy) {
  PlacementOutcome out;
  out.kind = object.value("kind", "");
  out.namespace_ = meta(object, "namespace");
  out.name = meta(object, "name");
  common::Counter* reconciles = metrics_ ? &metrics_->reconciles : nullptr;
  auto failed = [&](const std::string& stage, const std::string& error) {
    out.error = error;
    count(reconciles, {"error"});
    count(metrics_ ? &metrics_->errors : nullptr, {stage});
    common::log_event(
        spdlog::level::warn, "cannot reconcile the anydoor placement",
        {{"kind", out.kind}, {"namespace", out.namespace_}, {"name", out.name}, {"stage", stage}, {"error", error}});
    return out;
  };
  for (int attempt = 1;; ++attempt) {
    const policies::ManagedPlacementPlan plan = policies::plan_managed_placement(object, clusters, policy);
    out.managed = plan.managed;
    if (!plan.managed) {
      count(reconciles, {"unmanaged"});
      return out;
    }
    if (!plan.error.empty()) return failed("plan", plan.error);
    if (plan.patch.empty()) {
      count(reconciles, {"unchanged"});
      return out;
    }
    auto patched = client_.json_patch(object_path(object), plan.patch, meta(object, "resourceVersion"));
    if (patched) {
      out.changed = true;
      count(reconciles, {"patched"});
      if (metrics_) metrics_->patches.inc();
      common::log_event(spdlog::level::info, "re-placed an anydoor policy on the current zones",
                        {{"kind", out.kind},
                         {"namespace", out.namespace_},
                         {"name", out.name},
                         {"resourceVersion", meta(*patched, "resourceVersion")}});
      return out;
    }
    const common::Error& e = patched.error();
    if (e.http_status == 404) return out;  // deleted meanwhile
    if ((e.http_status == 409 || e.http_status == 422) && attempt < options_.base.max_patch_attempts) {
      ++out.conflicts;
      if (metrics_) metrics_->conflicts.inc();
      auto fresh = client_.get(object_path(object));
      if (!fresh) {
        if (fresh.error().http_status == 404) return out;
        return failed("get", fresh.error().text());
      }
      object = std::move(*fresh);
      continue;
    }
    return failed("patch", e.text());
  }
}

PlacementPassResult PlacementReconciler::run_once() {
  PlacementPassResult result;
  const auto policy = policy_();
  const policies::ClusterSnapshot clusters = clusters_();
  if (!policy || !clusters) {
    const char* missing = !policy ? "no admission policy loaded yet" : "no cluster inventory yet";
    result.error = common::Error{common::ErrorKind::Unavailable, missing, 0, "NotReady"};
    count(metrics_ ? &metrics_->errors : nullptr, {!policy ? "policy" : "inventory"});
    return result;
  }
  std::size_t managed = 0;
  for (const char* path : {kPropagationPoliciesPath, kClusterPropagationPoliciesPath}) {
    auto listed = client_.list(path);
    if (!listed) {
      result.error = listed.error();
      count(metrics_ ? &metrics_->errors : nullptr, {"list"});
      return result;
    }
    for (auto& item : listed->items) {
      if (stop_.stopped()) return result;
      if (!policies::is_managed_placement(item)) continue;
      ++managed;
      result.policies.push_back(reconcile(std::move(item), clusters, *policy));
    }
  }
  if (metrics_) {
    metrics_->managed.set(static_cast<double>(managed));
    if (result.all_hold()) metrics_->last_sync.set(unix_now());
  }
  return result;
}

void PlacementReconciler::start() {
  if (thread_.joinable()) return;
  common::log_event(spdlog::level::info, "starting the anydoor placement reconciler",
                    {{"server", client_.connection().server}});
  thread_ = std::thread([this] { run(); });
}

void PlacementReconciler::stop() {
  stop_.stop();
  client_.cancel();
  if (thread_.joinable()) thread_.join();
}

void PlacementReconciler::run() {
  std::string done_for;  // the fingerprint the last successful pass placed for
  auto last_pass = Clock::now();
  Backoff backoff(options_.base.backoff_initial, options_.base.backoff_max, options_.base.jitter);
  bool retry = false;
  while (!stop_.stopped()) {
    const std::string now = placement_fingerprint(clusters_());
    const bool due = Clock::now() - last_pass >= options_.base.resync_period;
    if (now != "none" && (now != done_for || due || retry)) {
      const PlacementPassResult pass = run_once();
      last_pass = Clock::now();
      if (stop_.stopped()) break;
      if (pass.all_hold()) {
        done_for = now;
        retry = false;
        backoff.reset();
      } else {
        retry = true;
        if (pass.error) {
          common::log_event(spdlog::level::warn, "placement pass failed", {{"error", pass.error->text()}});
        }
        if (!stop_.sleep_for(backoff.next())) break;
        continue;
      }
    }
    if (!stop_.sleep_for(options_.inventory_poll)) break;
  }
}

}  // namespace cell0::controllers
