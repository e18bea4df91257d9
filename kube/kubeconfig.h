// Where a Kubernetes API server is and how to authenticate to it: from a kubeconfig file (as
// kubectl reads it) or from the pod's service account (in-cluster). Only what the taint
// reconciler needs: one server URL, a CA bundle, a client certificate or a bearer token.
//
// kubeconfig: `current-context` (or the --context override) selects a context, whose `cluster`
// and `user` name entries of `clusters` and `users`. Cluster: `server` (https only),
// `certificate-authority` / `certificate-authority-data`, `insecure-skip-tls-verify`,
// `tls-server-name`. User: `client-certificate(-data)` with `client-key(-data)`, `token`,
// `tokenFile`. Relative file names are relative to the kubeconfig's folder. Anything that would
// authenticate some other way (exec, auth-provider, username/password) is an error naming the
// field, as are missing entries, bad base64 and unreadable files.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cell0::kube {

struct KubeConnection {
  std::string server;  // https://host[:port], no path
  std::string host;
  int port = 443;
  std::string ca_pem;  // empty: the system trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the host for certificate verification
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;
  std::filesystem::path token_file;   // re-read when it changes (service-account tokens rotate)
  std::string source;                 // "kubeconfig FILE context NAME" or "in-cluster", for messages
  std::vector<std::string> warnings;  // e.g. insecure-skip-tls-verify
};

// `context` empty: current-context.
common::Result<KubeConnection> load_kubeconfig(const std::filesystem::path& file, const std::string& context = {});
common::Result<KubeConnection> parse_kubeconfig(const nlohmann::json& document, const std::filesystem::path& base_dir,
                                                const std::string& context = {});

struct InClusterPaths {
  std::filesystem::path token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::filesystem::path ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
};
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT, the service-account token and CA.
common::Result<KubeConnection> in_cluster_config(const InClusterPaths& paths = {}, const EnvLookup& env = {});

// "https://host:port" split into its parts; an IPv6 host is given in brackets.
common::Result<KubeConnection> parse_server_url(const std::string& url);

}  // namespace cell0::kube

namespace cell0::kube {

// The connection `serve` and `taint-clusters` use: --kubeconfig FILE [--context NAME] or
// --in-cluster (exactly one of them).
common::Result<KubeConnection> resolve_kube_connection(const std::string& kubeconfig, const std::string& context,
                                                       bool in_cluster);

}  // namespace cell0::kube
