#include "controllers/namespace_cache.h"

#include <algorithm>

#include "common/log.h"

namespace cell0::controllers {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string name_of(const json& ns) {
  const json* meta = ns.contains("metadata") ? &ns["metadata"] : nullptr;
  return meta && meta->is_object() ? meta->value("name", "") : "";
}

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

NamespaceCacheMetrics::NamespaceCacheMetrics(common::MetricsRegistry& r)
    : lists(
          r.counter("cell0_namespace_cache_lists_total", "Full lists of the Cell0 namespaces, by result.", {"result"})),
      events(r.counter("cell0_namespace_cache_events_total", "Namespace watch events applied, by type.", {"type"})),
      watch_restarts(r.counter("cell0_namespace_cache_watch_restarts_total",
                               "Namespace watches started again, by the reason the previous one ended.", {"reason"})),
      namespaces(r.gauge("cell0_namespace_cache_namespaces", "Namespaces in the cache.")),
      last_sync(
          r.gauge("cell0_namespace_cache_last_sync_timestamp_seconds", "Unix time of the last successful list.")) {}

NamespaceCache::NamespaceCache(kube::KubeConnection connection, NamespaceCacheOptions options,
                               NamespaceCacheMetrics* metrics)
    : client_(std::move(connection), options.client),
      options_(std::move(options)),
      metrics_(metrics),
      backoff_(options_.backoff_initial, options_.backoff_max, options_.jitter) {}

NamespaceCache::~NamespaceCache() { stop(); }

policies::NamespaceAnnotations NamespaceCache::kept_annotations(const json& ns) const {
  policies::NamespaceAnnotations out;
  const json* meta = ns.contains("metadata") ? &ns["metadata"] : nullptr;
  const json* annotations =
      meta && meta->is_object() && meta->contains("annotations") ? &(*meta)["annotations"] : nullptr;
  if (!annotations || !annotations->is_object()) return out;
  for (const auto& key : options_.annotation_keys) {
    const auto it = annotations->find(key);
    if (it != annotations->end() && it->is_string()) out[key] = it->get<std::string>();
  }
  return out;
}

void NamespaceCache::publish(std::map<std::string, policies::NamespaceAnnotations> view) {
  auto snapshot = std::make_shared<const std::map<std::string, policies::NamespaceAnnotations>>(view);
  const auto size = snapshot->size();
  {
    std::lock_guard lock(view_mutex_);
    view_ = std::move(view);
    shared_ = std::move(snapshot);
  }
  if (metrics_) metrics_->namespaces.set(static_cast<double>(size));
}

policies::NamespaceSnapshot NamespaceCache::shared() const {
  std::lock_guard lock(view_mutex_);
  return shared_;
}

std::string NamespaceCache::last_error() const {
  std::lock_guard lock(view_mutex_);
  return last_error_;
}

void NamespaceCache::set_error(std::string error) {
  std::lock_guard lock(view_mutex_);
  last_error_ = std::move(error);
}

common::Result<std::string> NamespaceCache::list_once() {
  auto listed = client_.list(kNamespacesPath);
  if (!listed) {
    if (metrics_) metrics_->lists.inc({"error"});
    set_error("list: " + listed.error().text());
    return listed.error();
  }
  std::map<std::string, policies::NamespaceAnnotations> view;
  for (const json& item : listed->items) {
    const std::string name = name_of(item);
    if (!name.empty()) view[name] = kept_annotations(item);
  }
  publish(std::move(view));
  set_error("");
  if (metrics_) {
    metrics_->lists.inc({"ok"});
    metrics_->last_sync.set(unix_now());
  }
  return listed->resource_version;
}

void NamespaceCache::apply(const kube::WatchEvent& event) {
  const std::string name = name_of(event.object);
  if (name.empty()) return;
  std::map<std::string, policies::NamespaceAnnotations> view;
  {
    std::lock_guard lock(view_mutex_);
    view = view_;
  }
  if (event.type == "DELETED") {
    view.erase(name);
  } else {
    auto annotations = kept_annotations(event.object);
    const auto it = view.find(name);
    if (it != view.end() && it->second == annotations) return;  // nothing the rules read changed
    view[name] = std::move(annotations);
  }
  if (metrics_) metrics_->events.inc({event.type});
  publish(std::move(view));
}

void NamespaceCache::start() {
  if (thread_.joinable()) return;
  common::log_event(spdlog::level::info, "starting the Cell0 namespace cache",
                    {{"server", client_.connection().server},
                     {"source", client_.connection().source},
                     {"annotations", options_.annotation_keys}});
  thread_ = std::thread([this] { run(); });
}

void NamespaceCache::stop() {
  stop_.stop();
  client_.cancel();
  if (thread_.joinable()) thread_.join();
}

void NamespaceCache::run() {
  while (!stop_.stopped()) {
    auto listed = list_once();
    if (stop_.stopped()) break;
    if (!listed) {
      common::log_event(spdlog::level::warn, "cannot list the Cell0 namespaces", {{"error", listed.error().text()}});
      if (!sleep_backoff()) break;
      continue;
    }
    watch_until_failure(*listed);
  }
}

void NamespaceCache::watch_until_failure(std::string resource_version) {
  const auto listed_at = Clock::now();
  auto restart = [this](const char* reason) {
    if (metrics_) metrics_->watch_restarts.inc({reason});
  };
  while (!stop_.stopped()) {
    const kube::WatchOutcome outcome =
        client_.watch(kNamespacesPath, resource_version, [&](const kube::WatchEvent& event) {
          if (event.type != "BOOKMARK") apply(event);
          return !stop_.stopped();
        });
    if (stop_.stopped()) return;
    resource_version = outcome.resource_version;
    switch (outcome.end) {
      case kube::WatchEnd::Closed:
        backoff_.reset();
        restart("timeout");
        if (Clock::now() - listed_at >= options_.resync_period) return;
        continue;
      case kube::WatchEnd::Gone:
        restart("gone");
        common::log_event(spdlog::level::info, "namespace watch expired; listing again",
                          {{"resourceVersion", resource_version}, {"error", outcome.error.text()}});
        return;
      case kube::WatchEnd::Failed:
        restart("failed");
        set_error("watch: " + outcome.error.text());
        common::log_event(spdlog::level::warn, "namespace watch failed; listing again after a pause",
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
