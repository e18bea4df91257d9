#include "cli/serve_check.h"

#include <cstdio>

#include "certs/pem.h"
#include "cli/serve_settings.h"
#include "interpreters/engine.h"
#include "kube/kubeconfig.h"
#include "policies/policy_config.h"
#include "webhook/cert_reloader.h"

namespace cell0::cli {
namespace {

// --check-config reports a certificate close to expiry without failing the check.
void warn_if_expiring(X509* cert) {
  const auto warning = webhook::expiry_warning(certs::not_after(cert), std::chrono::system_clock::now(),
                                               webhook::CertReloaderOptions{}.warn_before);
  if (warning) std::fprintf(stderr, "warning: %s\n", warning->c_str());
}

}  // namespace

int check_serve_config(const ServeConfig& config) {
  bool ok = true;
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "error: %s\n", what.c_str());
    ok = false;
  };
  if (!config.server.cert_file.empty()) {
    auto pair = certs::load_key_pair(config.server.cert_file, config.server.key_file);
    if (!pair) fail(pair.error().message);
    if (pair) warn_if_expiring(pair->cert.get());
  }
  if (!config.server.client_ca_file.empty()) {
    auto ca = certs::load_certificates(config.server.client_ca_file);
    if (!ca) fail("--client-ca: " + ca.error().message);
  }
  if (!config.policy.empty()) {
    if (auto loaded = policies::load_policy_file(config.policy); !loaded) fail("--policy: " + loaded.error().message);
  }
  if (config.reconcile_taints()) {
    auto connection = kube::resolve_kube_connection(config.kubeconfig.string(), config.kube_context, config.in_cluster);
    if (!connection) {
      fail(connection.error().message);
    } else {
      std::printf("taint reconciler: %s (%s)\n", connection->server.c_str(), connection->source.c_str());
      for (const auto& w : connection->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    }
  }
  if (config.watch_cell0_namespaces()) {
    auto connection = kube::resolve_kube_connection(config.cell0_kubeconfig.string(), "", config.cell0_in_cluster);
    if (!connection) {
      // Not an error: serve then runs without the cache and the zone rules use names only.
      std::fprintf(stderr, "warning: Cell0 namespace cache: %s; the zone rules will use namespace names only\n",
                   connection.error().message.c_str());
    } else {
      std::printf("Cell0 namespace cache: %s (%s)\n", connection->server.c_str(), connection->source.c_str());
      for (const auto& w : connection->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    }
  }
  auto registry = interp::load_registry(config.customizations);
  if (!registry) {
    fail(registry.error().message);
  } else {
    const interp::RegistryInfo info = interp::registry_info(**registry);
    std::printf("customizations: %zu (%zu kinds) from %zu files\n", info.customizations, info.kinds, info.files.size());
  }
  std::printf("%s\n", ok ? "configuration OK" : "configuration has errors");
  return ok ? 0 : 1;
}

}  // namespace cell0::cli
