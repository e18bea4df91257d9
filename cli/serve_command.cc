#include "cli/serve_command.h"

#include <malloc.h>

#include <memory>
#include <set>

#include <CLI/CLI.hpp>

#include "cli/serve_check.h"
#include "cli/serve_flags.h"
#include "cli/serve_settings.h"
#include "cli/service.h"
#include "cli/stop_signals.h"
#include "common/log.h"

namespace cell0::cli {

int run_serve(const ServeConfig& config) {
  const StopSignals stop_signals;  // before the first thread starts
  // Blocks of 256 KiB and more (request bodies, results of hostile scripts) get their own
  // mappings and go back to the system when freed. By default glibc raises this threshold after
  // each such free, up to 32 MiB, and later big blocks then stay in the heap for good: a script
  // whose result was refused at the JSON cap left RSS 15 MiB higher.
  ::mallopt(M_MMAP_THRESHOLD, 256 << 10);
  auto service = Service::create(config);
  if (!service || !service->start()) return 1;
  return service->serve_until_stopped(stop_signals);
}

Command add_serve_command(CLI::App& app) {
  auto settings = std::make_shared<ServeSettings>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the HTTPS webhook: /interpreter, /mutate, /validate, /healthz, /readyz, /metrics");
  add_serve_flags(*cmd, *settings);
  return Command{cmd, 1, [settings, cmd]() -> common::Result<int> {
                   ServeSettings& current = *settings;
                   if (!current.config.empty()) {
                     std::set<std::string> given;
                     for (const CLI::Option* opt : cmd->get_options()) {
                       if (opt->count() > 0) given.insert(setting_key(opt->get_name()));
                     }
                     if (auto applied = apply_config_file(current.config, current, given); !applied)
                       return applied.error();
                   }
                   auto config = resolve_settings(current);
                   if (!config) return config.error();
                   common::setup_json_logging(config->log_level);
                   return current.check_config ? check_serve_config(*config) : run_serve(*config);
                 }};
}

}  // namespace cell0::cli
