// Small waits and option sets shared by the reconciler tests.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "controllers/taint_reconciler.h"

namespace cell0::testing {

using namespace std::chrono_literals;

// Polls until `done` or the timeout; true when done.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 2000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// Short timeouts and backoffs so every fault resolves well inside a test's budget.
inline controllers::TaintReconcilerOptions fast_options() {
  controllers::TaintReconcilerOptions o;
  o.client.connect_timeout = 1000ms;
  o.client.request_timeout = 1000ms;
  o.client.watch_timeout = 3s;
  o.client.watch_idle_timeout = 700ms;
  o.client.page_size = 2;
  o.backoff_initial = 50ms;
  o.backoff_max = 300ms;
  return o;
}

inline bool has_taint(const nlohmann::json& cluster, const std::string& key = "pure-control-cluster",
                      const std::string& effect = "NoSchedule") {
  const auto& spec = cluster.at("spec");
  if (!spec.contains("taints") || !spec["taints"].is_array()) return false;
  for (const auto& t : spec["taints"]) {
    if (t.value("key", "") == key && t.value("effect", "") == effect) return true;
  }
  return false;
}

// The cluster without its resourceVersion and without the pure-control taint: what the reconciler
// must never change.
inline nlohmann::json untouchable(nlohmann::json cluster) {
  cluster["metadata"].erase("resourceVersion");
  if (cluster["spec"].contains("taints")) {
    auto& taints = cluster["spec"]["taints"];
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& t : taints) {
      if (!(t.value("key", "") == "pure-control-cluster" && t.value("effect", "") == "NoSchedule")) kept.push_back(t);
    }
    if (kept.empty())
      cluster["spec"].erase("taints");
    else
      taints = kept;
  }
  return cluster;
}

}  // namespace cell0::testing
