// Settings of `serve`: the flags, the same settings from a YAML --config file (flags win), and
// their checked, typed form.
//
// Defaults: --listen 127.0.0.1:8443; --state-dir $XDG_STATE_HOME/cell0-webhook, else
// $HOME/.local/state/cell0-webhook, else ./.cell0-state; generated certificates cover localhost,
// 127.0.0.1 and every --tls-san; --customizations: the bundled interpreters/customizations
// (<exe dir>/../interpreters/customizations, <exe dir>/../share/cell0-webhook/customizations,
// then the source tree the binary was built from); --shutdown-delay 5s (after SIGTERM /readyz
// is 503 and answers carry Connection: close while the endpoint removal propagates; the server
// still accepts); --shutdown-grace 10s (then, for requests in flight); --lua-timeout 1s;
// --lua-memory 64Mi; --threads 0 (4 x hardware concurrency, at least 16); --log-level info.
//
// Limits on clients (README "Limits"; the webhook sits on the apiserver's write path with
// failurePolicy Fail, so no client may be able to stop it serving):
//   --read-timeout 10s, --write-timeout 10s: one socket read or write; a peer that stops
//     mid-request is dropped after this.
//   --header-timeout 10s: the TLS handshake and the first request's headers must be complete
//     within this of a worker picking the connection up, a later request's headers within this
//     of its first byte (slowloris: bytes trickled within --read-timeout).
//   --body-timeout 30s: the whole request body (the apiserver gives a webhook call 30s at most).
//   --idle-timeout 120s: a keep-alive connection idle between requests is closed. Longer than
//     the 90 s Go clients (kube-apiserver, Karmada) keep theirs, so the client always closes
//     first: Go does not replay a POST written onto a connection the server is closing. An
//     idle connection costs a few KiB and no thread. --write-timeout bounds writing one answer.
//   --max-header-bytes 64Ki: bytes a request may send before its headers are complete (431
//     above); single lines are bounded to 8 KiB (a longer URI is 414, a longer header 400).
//   --max-request-bytes 3Mi: /interpreter body (the apiserver's own request limit is 3 MiB);
//     --max-admission-bytes 8Mi: /mutate and /validate bodies (an AdmissionReview carries the
//     object and its old version). Larger bodies get 413 with a JSON error.
//   --max-connections 4096: open connections, idle ones included; more are closed right after
//     the accept. serve raises its open-files soft limit to the hard one. 0: no cap.
//
// The limits' values above are the defaults of the parts they configure (interpreters/engine.h,
// webhook/server.h, webhook/admission_endpoint.h); tests/cli/serve_settings_test.cc checks that
// --help still shows these.
//
// Config file keys are the flag names without dashes, in any case: `listen`, `tls-cert` or
// `tlsCert`, `customizations` (a list), ... Unknown keys are errors.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "common/result.h"
#include "interpreters/engine.h"
#include "webhook/admission_endpoint.h"
#include "webhook/server.h"

namespace cell0::cli {

// As given on the command line or in the config file, before checking.
struct ServeSettings {
  ServeSettings();  // ServeConfig's defaults (below), as text: format_duration, format_byte_size

  std::string listen;
  std::string tls_cert;
  std::string tls_key;
  std::string state_dir;
  std::vector<std::string> tls_sans;
  std::string client_ca;
  std::vector<std::string> customizations;
  std::string policy;
  std::string config;
  std::size_t threads = 0;
  std::string shutdown_delay;
  std::string shutdown_grace;
  std::string lua_timeout;
  std::string lua_memory;
  std::string read_timeout;
  std::string write_timeout;
  std::string header_timeout;
  std::string body_timeout;
  std::string idle_timeout;
  std::string max_header_bytes;
  std::string max_request_bytes;
  std::string max_admission_bytes;
  std::size_t max_connections = 0;
  std::string log_level;
  bool check_config = false;
  std::string kubeconfig;  // the pure-control taint reconciler runs when this or in_cluster is set
  std::string context;
  bool in_cluster = false;
  // Credentials for the Cell0 kube-apiserver: the zone rules' namespace cache runs when one is set.
  std::string cell0_kubeconfig;
  bool cell0_in_cluster = false;
};

// Checked and typed. The limits' defaults are those of the parts they configure
// (interp::EngineOptions, webhook::ServerOptions, webhook::kAdmissionMaxBodyBytes); ServeSettings
// shows them as text.
struct ServeConfig {
  // --listen (host, port), --tls-cert and --tls-key (cert_file, key_file; empty: generated in
  // state_dir), --client-ca, --threads and the client limits; max_body_bytes is
  // --max-request-bytes (/interpreter), keep_alive_timeout --idle-timeout.
  webhook::ServerOptions server;
  // --lua-timeout (deadline), --lua-memory (memory_limit); pool_size: one Lua state per server
  // thread, so no request waits for one.
  interp::EngineOptions engine;
  std::size_t max_admission_bytes = webhook::kAdmissionMaxBodyBytes;  // /mutate and /validate
  std::chrono::milliseconds shutdown_delay{5000};
  std::chrono::milliseconds shutdown_grace{10000};
  std::filesystem::path state_dir;
  std::vector<std::string> sans;  // for generated certificates
  std::vector<std::filesystem::path> customizations;
  std::filesystem::path policy;
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::filesystem::path kubeconfig;
  std::string kube_context;
  bool in_cluster = false;
  bool reconcile_taints() const { return !kubeconfig.empty() || in_cluster; }
  std::filesystem::path cell0_kubeconfig;
  bool cell0_in_cluster = false;
  bool watch_cell0_namespaces() const { return !cell0_kubeconfig.empty() || cell0_in_cluster; }
};

// Normalized setting name: lower case without '-' and '_' ("tls-cert", "tlsCert" -> "tlscert").
std::string setting_key(std::string_view name);

// Fills the settings not in `given` (normalized keys of flags set on the command line) from the
// YAML file.
common::Result<common::Done> apply_config_file(const std::filesystem::path& file, ServeSettings& settings,
                                               const std::set<std::string>& given);

common::Result<ServeConfig> resolve_settings(const ServeSettings& settings);

// "10s", "500ms", "2m", "1h" or a bare number of seconds.
common::Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// "64Mi", "1Gi", "512Ki", "100M", "1000000" (bytes).
common::Result<std::size_t> parse_byte_size(std::string_view text);
// The text parse_duration reads back: whole seconds as "10s", else "1500ms".
std::string format_duration(std::chrono::milliseconds duration);
// The text parse_byte_size reads back: the largest of Gi, Mi and Ki that divides it ("64Ki"),
// else bytes.
std::string format_byte_size(std::size_t bytes);

std::filesystem::path default_state_dir();
// The bundled customizations folder, or empty when none of the candidates exists.
std::filesystem::path default_customizations_dir();

}  // namespace cell0::cli
