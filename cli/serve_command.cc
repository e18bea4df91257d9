#include "cli/serve_command.h"

#include <malloc.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "certs/pem.h"
#include "certs/state_dir.h"
#include "interpreters/engine.h"
#include "policies/policy_config.h"
#include "webhook/admission_endpoint.h"
#include "webhook/admission_policy_store.h"
#include "webhook/cert_reloader.h"
#include "webhook/interpreter_endpoint.h"
#include "common/log.h"
#include "webhook/reloader.h"
#include "cli/serve_settings.h"
#include "webhook/server.h"
#include "controllers/placement_reconciler.h"
#include "controllers/namespace_cache.h"
#include "controllers/taint_reconciler.h"
#include "policies/zone_policy.h"
#include "webhook/webhook_metrics.h"

namespace cell0::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

webhook::LoadOutcome load_into(interp::Engine& engine, const std::vector<fs::path>& paths) {
  auto registry = interp::load_registry(paths);
  if (!registry) return webhook::LoadOutcome{false, registry.error().message, 0, 0};
  const interp::RegistryInfo info = interp::registry_info(**registry);
  engine.set_registry(*registry);
  return webhook::LoadOutcome{true, "", info.customizations, info.files.size()};
}

interp::EngineOptions engine_options(const ServeConfig& config) {
  interp::EngineOptions options;
  options.deadline = config.lua_timeout;
  options.memory_limit = config.lua_memory;
  options.pool_size = webhook::server_threads(config.threads);  // one Lua state per handler thread: no request waits
  return options;
}

// The certificate pair to serve: the given files, or the generated ones in the state dir.
common::Result<std::pair<fs::path, fs::path>> serving_files(const ServeConfig& config) {
  if (!config.tls_cert.empty()) return std::pair{config.tls_cert, config.tls_key};
  auto paths = certs::ensure_state_dir_certs(config.state_dir, config.sans);
  if (!paths) return paths.error().with_prefix("state dir " + config.state_dir.string() + ": ");
  common::log_event(spdlog::level::info, paths->generated ? "generated serving certificate" : "reusing serving certificate",
            {{"dir", config.state_dir.string()},
             {"caFile", paths->ca_cert.string()},
             {"sans", config.sans},
             {"notAfter", std::chrono::duration_cast<std::chrono::seconds>(paths->not_after.time_since_epoch()).count()}});
  return std::pair{paths->cert, paths->key};
}

// SIGTERM/SIGINT are blocked in every thread and taken with sigtimedwait by the main thread, so
// no handler runs in signal context. Must run before the first thread starts.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Waits for a stop signal or for `done`; returns the signal number, or 0.
int wait_for_stop(const sigset_t& set, const std::atomic<bool>& done) {
  const timespec tick{0, 200'000'000};
  while (!done) {
    siginfo_t info{};
    const int sig = sigtimedwait(&set, &info, &tick);
    if (sig > 0) return sig;
  }
  return 0;
}

// --check-config reports a certificate close to expiry without failing the check.
void warn_if_expiring(X509* cert) {
  const auto warning =
      webhook::expiry_warning(certs::not_after(cert), std::chrono::system_clock::now(), webhook::CertReloaderOptions{}.warn_before);
  if (warning) std::fprintf(stderr, "warning: %s\n", warning->c_str());
}

// /readyz: how the zone rules decide that a namespace is opted in. The cache does not gate
// readiness: without it the rules still hold for the namespaces named by zones.namespaces.
std::string zone_namespace_mode(const controllers::NamespaceCache* cache, const std::string& credentials_error) {
  const std::string annotation = std::string(policies::kZoneOptInAnnotation) + "=\"true\"";
  if (!credentials_error.empty()) return "names only: zones.namespaces globs (Cell0 credentials unusable: " + credentials_error + ")";
  if (!cache) return "names only: zones.namespaces globs (no Cell0 credentials, no namespace cache)";
  const auto view = cache->shared();
  const std::string error = cache->last_error();
  if (!view) return "names only until the Cell0 namespace cache lists" + (error.empty() ? std::string() : " (" + error + ")");
  return "names and annotation " + annotation + ": namespace cache of " + std::to_string(view->size()) +
         " namespaces" + (error.empty() ? std::string() : " (last view kept; " + error + ")");
}

}  // namespace

int check_serve_config(const ServeConfig& config) {
  bool ok = true;
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "error: %s\n", what.c_str());
    ok = false;
  };
  if (!config.tls_cert.empty()) {
    auto pair = certs::load_key_pair(config.tls_cert, config.tls_key);
    if (!pair) fail(pair.error().message);
    if (pair) warn_if_expiring(pair->cert.get());
  }
  if (!config.client_ca.empty()) {
    auto ca = certs::load_certificates(config.client_ca);
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

int run_serve(const ServeConfig& config) {
  const sigset_t stop_signals = block_stop_signals();
  // Blocks of 256 KiB and more (request bodies, results of hostile scripts) get their own
  // mappings and go back to the system when freed. By default glibc raises this threshold after
  // each such free, up to 32 MiB, and later big blocks then stay in the heap for good: a script
  // whose result was refused at the JSON cap left RSS 15 MiB higher.
  ::mallopt(M_MMAP_THRESHOLD, 256 << 10);
  auto files = serving_files(config);
  if (!files) {
    common::log_event(spdlog::level::critical, "cannot set up TLS", {{"error", files.error().message}});
    return 1;
  }

  interp::Engine engine(engine_options(config));
  common::MetricsRegistry registry;
  webhook::WebhookMetrics metrics(registry);
  webhook::collect_engine_stats(metrics, engine);

  std::vector<std::string> paths;
  for (const auto& p : config.customizations) paths.push_back(p.string());
  common::log_event(spdlog::level::info, "loading customizations", {{"paths", paths}});
  webhook::Reloader reloader(config.customizations, [&engine](const auto& p) { return load_into(engine, p); }, metrics);
  reloader.load_now();  // a broken first set leaves /readyz at 503 until a good one appears
  webhook::PolicyStore policy(config.policy);
  common::MetricsRegistry policy_registry;  // the reload counters above are the customizations'
  webhook::WebhookMetrics policy_metrics(policy_registry);
  std::atomic<controllers::TaintReconciler*> policy_listener{nullptr};  // re-applies the taint rule on a new policy
  webhook::Reloader policy_reloader(config.policy.empty() ? std::vector<fs::path>{} : std::vector<fs::path>{config.policy},
                           [&policy, &policy_listener](const auto&) {
                             webhook::LoadOutcome outcome = policy.load();
                             if (controllers::TaintReconciler* r = policy_listener; outcome.ok && r != nullptr) r->resync();
                             return outcome;
                           },
                           policy_metrics, std::chrono::seconds(1), "admission policy");
  if (!config.policy.empty()) policy_reloader.load_now();

  std::unique_ptr<controllers::ReconcilerMetrics> reconciler_metrics;
  std::unique_ptr<controllers::TaintReconciler> taints;
  if (config.reconcile_taints()) {
    auto connection = kube::resolve_kube_connection(config.kubeconfig.string(), config.kube_context, config.in_cluster);
    if (!connection) {
      common::log_event(spdlog::level::critical, "cannot set up the taint reconciler", {{"error", connection.error().message}});
      return 1;
    }
    for (const auto& w : connection->warnings) common::log_event(spdlog::level::warn, w);
    controllers::PureControlSource rule = [&policy]() -> std::optional<policies::PureControl> {
      const auto p = policy.current();
      if (!p) return std::nullopt;
      return p->pure_control;
    };
    reconciler_metrics = std::make_unique<controllers::ReconcilerMetrics>(registry);
    taints = std::make_unique<controllers::TaintReconciler>(std::move(*connection), std::move(rule), controllers::TaintReconcilerOptions{},
                                               reconciler_metrics.get());
  }
  // --- issue 16: the anydoor placement reconciler reads the taint reconciler's inventory (one watch).
  std::unique_ptr<controllers::PlacementMetrics> placement_metrics;
  std::unique_ptr<controllers::PlacementReconciler> placements;
  if (taints) {
    placement_metrics = std::make_unique<controllers::PlacementMetrics>(registry);
    placements = std::make_unique<controllers::PlacementReconciler>(
        taints->connection(), [&policy] { return policy.current(); }, [&taints] { return taints->cache().shared(); },
        controllers::PlacementReconcilerOptions{}, placement_metrics.get());
  }
  // --- end issue 16

  // The zone rules' namespace opt-in by annotation (DESIGN.md "Cell0 two-AZ zone policies").
  std::unique_ptr<controllers::NamespaceCacheMetrics> namespace_metrics;
  std::unique_ptr<controllers::NamespaceCache> cell0_namespaces;
  std::string cell0_credentials_error;
  if (config.watch_cell0_namespaces()) {
    auto connection = kube::resolve_kube_connection(config.cell0_kubeconfig.string(), "", config.cell0_in_cluster);
    if (!connection) {
      // The other rules and the interpreter do not need the cache: serve on, names only (/readyz).
      cell0_credentials_error = connection.error().message;
      common::log_event(spdlog::level::err, "cannot set up the Cell0 namespace cache; zone rules use namespace names only",
                        {{"error", cell0_credentials_error}});
    } else {
      for (const auto& w : connection->warnings) common::log_event(spdlog::level::warn, w);
      controllers::NamespaceCacheOptions cache_options;
      cache_options.annotation_keys = {policies::kZoneOptInAnnotation};
      namespace_metrics = std::make_unique<controllers::NamespaceCacheMetrics>(registry);
      cell0_namespaces =
          std::make_unique<controllers::NamespaceCache>(std::move(*connection), cache_options, namespace_metrics.get());
    }
  }

  webhook::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.cert_file = files->first;
  options.key_file = files->second;
  options.client_ca_file = config.client_ca;
  options.threads = config.threads;
  options.read_timeout = config.read_timeout;
  options.write_timeout = config.write_timeout;
  options.header_timeout = config.header_timeout;
  options.body_timeout = config.body_timeout;
  options.keep_alive_timeout = config.idle_timeout;
  options.max_header_bytes = config.max_header_bytes;
  options.max_connections = config.max_connections;
  options.max_body_bytes = config.max_request_bytes;
  webhook::Server server(options, metrics);
  // Made before bind(), so a change while the server reads the files still counts as one.
  webhook::CertReloader cert_reloader(files->first, files->second, [&server] { return server.reload_certificates(); },
                             registry);
  webhook::JsonEndpoint interpreter = webhook::interpreter_endpoint(engine);
  interpreter.max_body_bytes = config.max_request_bytes;
  webhook::ClusterSource clusters;
  if (taints) clusters = [&taints] { return taints->cache().shared(); };
  webhook::NamespaceSource namespaces;
  if (cell0_namespaces) namespaces = [&cell0_namespaces] { return cell0_namespaces->shared(); };
  webhook::JsonEndpoint mutate = webhook::mutate_endpoint([&policy] { return policy.current(); }, clusters, namespaces);
  mutate.max_body_bytes = config.max_admission_bytes;
  webhook::AdmissionMetrics admission_metrics(registry);  // the majority gate's decisions
  webhook::JsonEndpoint validate =
      webhook::validate_endpoint([&policy] { return policy.current(); }, clusters, namespaces, &admission_metrics);
  validate.max_body_bytes = config.max_admission_bytes;
  server.add_json_endpoint("/interpreter", std::move(interpreter));
  server.add_json_endpoint("/mutate", std::move(mutate));
  server.add_json_endpoint("/validate", std::move(validate));
  server.set_readiness_probe([&reloader, &policy, &policy_reloader, &cell0_namespaces, &cell0_credentials_error] {
    webhook::Readiness r = reloader.readiness();
    r.detail["zoneNamespaces"] = zone_namespace_mode(cell0_namespaces.get(), cell0_credentials_error);
    const webhook::ReloadStatus p = policy_reloader.status();
    r.detail["policy"] = policy.file().empty() ? "default" : policy.file().string();
    if (!policy.current()) {
      r.ready = false;
      r.detail["reason"] = "no admission policy loaded yet";
    }
    if (!p.last_error.empty()) r.detail["lastPolicyError"] = p.last_error;
    return r;
  });
  if (auto bound = server.bind(); !bound) {
    common::log_event(spdlog::level::critical, "cannot start the server", {{"error", bound.error().message}});
    return 1;
  }
  cert_reloader.loaded_at_start();
  cert_reloader.start();
  reloader.start();
  if (!config.policy.empty()) policy_reloader.start();
  if (taints) {
    taints->start();
    placements->start();  // issue 16
    policy_listener = taints.get();
  }
  if (cell0_namespaces) cell0_namespaces->start();

  std::atomic<bool> finished{false};
  std::thread serving([&] {
    server.run();
    finished = true;
  });
  common::log_event(spdlog::level::info, "serving",
            {{"listen", fmt::format("{}:{}", config.host, server.port())},
             {"clientCA", config.client_ca.string()},
             {"endpoints", {"/interpreter", "/mutate", "/validate", "/healthz", "/readyz", "/metrics"}}});

  const int sig = wait_for_stop(stop_signals, finished);
  common::log_event(spdlog::level::info, "shutting down",
            {{"signal", sig == 0 ? "none" : strsignal(sig)},
             {"delayMs", config.shutdown_delay.count()},
             {"graceMs", config.shutdown_grace.count()}});
  // Kubernetes removes the pod from the endpoints while it already runs SIGTERM, and apiservers
  // keep reusing their connections until that has propagated: go on answering (503 on /readyz,
  // Connection: close on every answer) for the delay; a second signal cuts it short.
  server.begin_drain();
  if (sig != 0 && config.shutdown_delay.count() > 0) {
    const auto delay_end = Clock::now() + config.shutdown_delay;
    while (!finished && Clock::now() < delay_end) {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(delay_end - Clock::now());
      const auto step = std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(200));
      const timespec wait{0, static_cast<long>(std::max<std::chrono::nanoseconds::rep>(step.count(), 0))};
      siginfo_t info{};
      if (sigtimedwait(&stop_signals, &info, &wait) > 0) break;
    }
  }
  const auto deadline = Clock::now() + config.shutdown_grace;
  server.stop();
  policy_listener = nullptr;
  if (placements) placements->stop();  // issue 16: before the inventory it reads
  if (taints) taints->stop();
  if (cell0_namespaces) cell0_namespaces->stop();
  reloader.stop();
  policy_reloader.stop();
  cert_reloader.stop();
  while (!finished && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!finished) {
    // Workers still busy past the grace period: leave without waiting for them.
    common::log_event(spdlog::level::warn, "requests still running after the shutdown grace; exiting anyway");
    spdlog::shutdown();
    std::_Exit(0);
  }
  serving.join();
  common::log_event(spdlog::level::info, "stopped");
  return sig == 0 ? 1 : 0;  // without a signal the server stopped on its own: an error
}

void add_serve_command(CLI::App& app) {
  auto settings = std::make_shared<ServeSettings>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the HTTPS webhook: /interpreter, /mutate, /validate, /healthz, /readyz, /metrics");
  auto& s = *settings;
  cmd->add_option("--listen", s.listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--tls-cert", s.tls_cert, "Serving certificate (PEM, leaf first); default: generated in --state-dir");
  cmd->add_option("--tls-key", s.tls_key, "Private key of --tls-cert (PEM)");
  cmd->add_option("--state-dir", s.state_dir,
                  "Where generated ca.crt/tls.crt/tls.key live (default $XDG_STATE_HOME/cell0-webhook, "
                  "~/.local/state/cell0-webhook or ./.cell0-state)");
  cmd->add_option("--tls-san", s.tls_sans, "Extra DNS name or IP for the generated certificate (repeatable)");
  cmd->add_option("--client-ca", s.client_ca, "Require client certificates signed by this CA (PEM)");
  cmd->add_option("--customizations", s.customizations,
                  "ResourceInterpreterCustomization file or directory (repeatable; reloaded on change; "
                  "default: the bundled interpreters/customizations)");
  cmd->add_option("--policy", s.policy, "Admission policy file (YAML, kind WebhookPolicy; reloaded on change; default: the built-in policy)");
  cmd->add_option("--config", s.config, "The same settings as YAML; flags override it");
  cmd->add_option("--threads", s.threads, "Requests handled at once, one Lua state each (0: 4 x hardware concurrency, at least 16)")
      ->capture_default_str();
  cmd->add_option("--read-timeout", s.read_timeout, "Close a connection sending no byte this long mid-request")
      ->capture_default_str();
  cmd->add_option("--write-timeout", s.write_timeout, "Writing one answer must end within this")->capture_default_str();
  cmd->add_option("--header-timeout", s.header_timeout,
                  "TLS handshake and request headers must be complete within this")->capture_default_str();
  cmd->add_option("--body-timeout", s.body_timeout, "The whole request body must arrive within this")->capture_default_str();
  cmd->add_option("--idle-timeout", s.idle_timeout, "Close keep-alive connections idle this long")
      ->capture_default_str();
  cmd->add_option("--max-header-bytes", s.max_header_bytes, "Bytes a request may send before its headers end")
      ->capture_default_str();
  cmd->add_option("--max-request-bytes", s.max_request_bytes, "Largest /interpreter body (413 above)")->capture_default_str();
  cmd->add_option("--max-admission-bytes", s.max_admission_bytes, "Largest /mutate and /validate body (413 above)")
      ->capture_default_str();
  cmd->add_option("--max-connections", s.max_connections,
                  "Open connections, idle ones included; more are closed at once (0: no cap)")->capture_default_str();
  cmd->add_option("--shutdown-delay", s.shutdown_delay,
                  "After SIGTERM: keep serving this long with /readyz 503 and Connection: close")->capture_default_str();
  cmd->add_option("--shutdown-grace", s.shutdown_grace, "After the delay: time to finish requests in flight")
      ->capture_default_str();
  cmd->add_option("--lua-timeout", s.lua_timeout, "Deadline of one Lua rule run")->capture_default_str();
  cmd->add_option("--lua-memory", s.lua_memory, "Memory limit of one Lua state")->capture_default_str();
  cmd->add_option("--log-level", s.log_level, "trace, debug, info, warn or error")->capture_default_str();
  cmd->add_flag("--check-config", s.check_config, "Load and check everything, then exit 0 (good) or 1");
  cmd->add_option("--kubeconfig", s.kubeconfig,
                  "kubeconfig of the karmada-apiserver: keep the pure-control taint on its Clusters");
  cmd->add_option("--context", s.context, "Context of --kubeconfig (default: current-context)");
  cmd->add_flag("--in-cluster", s.in_cluster, "Like --kubeconfig, with the pod's service account");
  cmd->add_option("--cell0-kubeconfig", s.cell0_kubeconfig,
                  "kubeconfig of the Cell0 kube-apiserver: watch its namespaces for the zone rules' opt-in annotation");
  cmd->add_flag("--cell0-in-cluster", s.cell0_in_cluster,
                "Like --cell0-kubeconfig, with the pod's service account (the webhook runs on Cell0)");

  cmd->callback([settings, cmd] {
    ServeSettings& current = *settings;
    if (!current.config.empty()) {
      std::set<std::string> given;
      for (const CLI::Option* opt : cmd->get_options()) {
        if (opt->count() > 0) given.insert(setting_key(opt->get_name()));
      }
      if (auto applied = apply_config_file(current.config, current, given); !applied) {
        std::fprintf(stderr, "error: %s\n", applied.error().message.c_str());
        throw CLI::RuntimeError(1);
      }
    }
    auto config = resolve_settings(current);
    if (!config) {
      std::fprintf(stderr, "error: %s\n", config.error().message.c_str());
      throw CLI::RuntimeError(1);
    }
    common::setup_json_logging(config->log_level);
    const int rc = current.check_config ? check_serve_config(*config) : run_serve(*config);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace cell0::cli
