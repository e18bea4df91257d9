// `cell0-webhook taint-clusters`: one reconcile pass of the pure-control taint over the Clusters
// of a karmada-apiserver; prints each cluster and what changed (or, with --dry-run, would change).
// Exit status: 0 when every cluster holds the rule afterwards, 1 on errors, 2 when a dry run found
// clusters to change.
#pragma once

#include <ostream>
#include <string>

#include "cli/command.h"
#include "kube/kube_client.h"

namespace cell0::cli {

struct TaintClustersSettings {
  std::string kubeconfig;
  std::string context;
  bool in_cluster = false;
  bool dry_run = false;
  std::string policy;
  kube::KubeClientOptions client;
};

// Writes the report to `out` and what went wrong to `err`; the exit status.
int run_taint_clusters(const TaintClustersSettings& settings, std::ostream& out, std::ostream& err);
Command add_taint_clusters_command(CLI::App& app);

}  // namespace cell0::cli
