#include "cli/interpreter_rules.h"

#include <spdlog/spdlog.h>

#include "cli/serve_settings.h"
#include "common/log.h"

namespace cell0::cli {
namespace {

common::Result<webhook::LoadedSet> load_into(interp::Engine& engine, const std::vector<std::filesystem::path>& paths) {
  auto registry = interp::load_registry(paths);
  if (!registry) return registry.error();
  const interp::RegistryInfo info = interp::registry_info(**registry);
  engine.set_registry(*registry);
  return webhook::LoadedSet{info.customizations, info.files.size()};
}

}  // namespace

InterpreterRules::InterpreterRules(const ServeConfig& config, webhook::WebhookMetrics& metrics)
    : engine(config.engine),
      reloader(
          config.customizations, [this](const auto& paths) { return load_into(engine, paths); },
          metrics.customization_reloads()) {
  webhook::collect_engine_stats(metrics, engine);
  std::vector<std::string> paths;
  for (const auto& p : config.customizations) paths.push_back(p.string());
  common::log_event(spdlog::level::info, "loading customizations", {{"paths", paths}});
  reloader.load_now();
}

}  // namespace cell0::cli
