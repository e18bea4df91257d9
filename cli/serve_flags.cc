#include "cli/serve_flags.h"

#include <CLI/CLI.hpp>

#include "cli/serve_settings.h"

namespace cell0::cli {

void add_serve_flags(CLI::App& cmd, ServeSettings& s) {
  cmd.add_option("--listen", s.listen, "HOST:PORT to listen on")->capture_default_str();
  cmd.add_option("--tls-cert", s.tls_cert, "Serving certificate (PEM, leaf first); default: generated in --state-dir");
  cmd.add_option("--tls-key", s.tls_key, "Private key of --tls-cert (PEM)");
  cmd.add_option("--state-dir", s.state_dir,
                 "Where generated ca.crt/tls.crt/tls.key live (default $XDG_STATE_HOME/cell0-webhook, "
                 "~/.local/state/cell0-webhook or ./.cell0-state)");
  cmd.add_option("--tls-san", s.tls_sans, "Extra DNS name or IP for the generated certificate (repeatable)");
  cmd.add_option("--client-ca", s.client_ca, "Require client certificates signed by this CA (PEM)");
  cmd.add_option("--customizations", s.customizations,
                 "ResourceInterpreterCustomization file or directory (repeatable; reloaded on change; "
                 "default: the bundled interpreters/customizations)");
  cmd.add_option("--policy", s.policy,
                 "Admission policy file (YAML, kind WebhookPolicy; reloaded on change; default: the built-in policy)");
  cmd.add_option("--config", s.config, "The same settings as YAML; flags override it");
  cmd.add_option("--threads", s.threads,
                 "Requests handled at once, one Lua state each (0: 4 x hardware concurrency, at least 16)")
      ->capture_default_str();
  cmd.add_option("--read-timeout", s.read_timeout, "Close a connection sending no byte this long mid-request")
      ->capture_default_str();
  cmd.add_option("--write-timeout", s.write_timeout, "Writing one answer must end within this")->capture_default_str();
  cmd.add_option("--header-timeout", s.header_timeout, "TLS handshake and request headers must be complete within this")
      ->capture_default_str();
  cmd.add_option("--body-timeout", s.body_timeout, "The whole request body must arrive within this")
      ->capture_default_str();
  cmd.add_option("--idle-timeout", s.idle_timeout, "Close keep-alive connections idle this long")
      ->capture_default_str();
  cmd.add_option("--max-header-bytes", s.max_header_bytes, "Bytes a request may send before its headers end")
      ->capture_default_str();
  cmd.add_option("--max-request-bytes", s.max_request_bytes, "Largest /interpreter body (413 above)")
      ->capture_default_str();
  cmd.add_option("--max-admission-bytes", s.max_admission_bytes, "Largest /mutate and /validate body (413 above)")
      ->capture_default_str();
  cmd.add_option("--max-connections", s.max_connections,
                 "Open connections, idle ones included; more are closed at once (0: no cap)")
      ->capture_default_str();
  cmd.add_option("--shutdown-delay", s.shutdown_delay,
                 "After SIGTERM: keep serving this long with /readyz 503 and Connection: close")
      ->capture_default_str();
  cmd.add_option("--shutdown-grace", s.shutdown_grace, "After the delay: time to finish requests in flight")
      ->capture_default_str();
  cmd.add_option("--lua-timeout", s.lua_timeout, "Deadline of one Lua rule run")->capture_default_str();
  cmd.add_option("--lua-memory", s.lua_memory, "Memory limit of one Lua state")->capture_default_str();
  cmd.add_option("--log-level", s.log_level, "trace, debug, info, warn or error")->capture_default_str();
  cmd.add_flag("--check-config", s.check_config, "Load and check everything, then exit 0 (good) or 1");
  cmd.add_option("--kubeconfig", s.kubeconfig,
                 "kubeconfig of the karmada-apiserver: keep the pure-control taint on its Clusters");
  cmd.add_option("--context", s.context, "Context of --kubeconfig (default: current-context)");
  cmd.add_flag("--in-cluster", s.in_cluster, "Like --kubeconfig, with the pod's service account");
  cmd.add_option("--cell0-kubeconfig", s.cell0_kubeconfig,
                 "kubeconfig of the Cell0 kube-apiserver: watch its namespaces for the zone rules' opt-in annotation");
  cmd.add_flag("--cell0-in-cluster", s.cell0_in_cluster,
               "Like --cell0-kubeconfig, with the pod's service account (the webhook runs on Cell0)");
}

}  // namespace cell0::cli
