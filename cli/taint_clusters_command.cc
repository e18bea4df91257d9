#include "cli/taint_clusters_command.h"

#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/serve_settings.h"
#include "common/log.h"
#include "controllers/taint_reconciler.h"

namespace cell0::cli {
namespace {

using policies::TaintAction;

std::string what_happened(const controllers::ClusterOutcome& c, bool dry_run) {
  if (!c.error.empty()) return "FAILED: " + c.error;
  switch (c.action) {
    case TaintAction::Add:
      return c.changed ? "added" : (dry_run ? "would add" : "not added");
    case TaintAction::Remove:
      return c.changed ? "removed" : (dry_run ? "would remove" : "not removed");
    case TaintAction::Replace:
      return c.changed ? "replaced" : (dry_run ? "would replace" : "not replaced");
    case TaintAction::None:
      break;
  }
  return "ok";
}

}  // namespace

int run_taint_clusters(const TaintClustersSettings& s, std::ostream& out, std::ostream& err) {
  policies::Policy policy;
  if (!s.policy.empty()) {
    auto loaded = policies::load_policy_file(s.policy);
    if (!loaded) {
      err << "error: --policy: " << loaded.error().message << "\n";
      return 1;
    }
    policy = *loaded;
  }
  auto connection = kube::resolve_kube_connection(s.kubeconfig, s.context, s.in_cluster);
  if (!connection) {
    err << "error: " << connection.error().message << "\n";
    return 1;
  }
  for (const auto& w : connection->warnings) err << "warning: " << w << "\n";
  const std::string taint = policies::taint_text(policy.pure_control.taint);
  out << fmt::format("{}taint {} on the Clusters of {} ({})\n", s.dry_run ? "dry run: " : "", taint, connection->server,
                     connection->source);

  controllers::TaintReconcilerOptions options;
  options.client = s.client;
  controllers::TaintReconciler reconciler(std::move(*connection), policy.pure_control, options);
  const controllers::PassResult pass = reconciler.run_once(s.dry_run);
  if (pass.list_error) {
    err << "error: cannot list clusters: " << pass.list_error->text() << "\n";
    return 1;
  }
  std::size_t width = 7;
  for (const auto& c : pass.clusters) width = std::max(width, c.name.size());
  out << fmt::format("{:<{}}  {:<12}  {:<7}  {}\n", "CLUSTER", width, "PURE-CONTROL", "TAINTED", "RESULT");
  std::size_t marked = 0, changes = 0, failures = 0;
  for (const auto& c : pass.clusters) {
    marked += c.pure_control ? 1 : 0;
    changes += c.action != TaintAction::None ? 1 : 0;
    failures += c.error.empty() ? 0 : 1;
    out << fmt::format("{:<{}}  {:<12}  {:<7}  {}\n", c.name, width, c.pure_control ? "yes" : "no",
                       c.had_taint ? "yes" : "no", what_happened(c, s.dry_run));
  }
  out << fmt::format("{} clusters, {} pure-control, {} {}, {} failed{}\n", pass.clusters.size(), marked, changes,
                     s.dry_run ? "to change" : "changed", failures, s.dry_run ? " (dry run: nothing was changed)" : "");
  if (failures > 0) return 1;
  if (s.dry_run && changes > 0) return 2;
  return pass.all_hold() ? 0 : 1;
}

Command add_taint_clusters_command(CLI::App& app) {
  auto settings = std::make_shared<TaintClustersSettings>();
  auto timeout = std::make_shared<std::string>("15s");
  CLI::App* cmd = app.add_subcommand("taint-clusters",
                                     "One pass of the pure-control taint over the Clusters of a karmada-apiserver "
                                     "(exit 0: all hold, 1: errors, 2: a dry run found changes)");
  cmd->add_option("--kubeconfig", settings->kubeconfig, "kubeconfig of the karmada-apiserver");
  cmd->add_option("--context", settings->context, "Context of --kubeconfig (default: current-context)");
  cmd->add_flag("--in-cluster", settings->in_cluster, "Use the pod's service account instead of a kubeconfig");
  cmd->add_flag("--dry-run", settings->dry_run, "Print what would change; change nothing");
  cmd->add_option("--policy", settings->policy,
                  "Admission policy file (YAML): pureControl.taint, clusterLabel, clusterNames");
  cmd->add_option("--timeout", *timeout, "Timeout of each API request")->capture_default_str();
  return Command{cmd, 1, [settings, timeout]() -> common::Result<int> {
                   common::setup_json_logging(spdlog::level::warn);
                   auto t = parse_duration(*timeout);
                   if (!t || t->count() <= 0) {
                     return input_error("--timeout: " + (t ? std::string("must be positive") : t.error().message));
                   }
                   settings->client.request_timeout = *t;
                   return run_taint_clusters(*settings, std::cout, std::cerr);
                 }};
}

}  // namespace cell0::cli
