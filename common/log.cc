#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace cell0::common {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace},       {"debug", spdlog::level::debug},  {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},         {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"off", spdlog::level::off},
  };
  for (const auto& [n, level] : kLevels) {
    if (n == name) return level;
  }
  return std::nullopt;
}

void setup_json_logging(spdlog::level::level_enum level) {
  spdlog::drop("cell0");
  auto logger = spdlog::stderr_logger_mt("cell0");
  spdlog::set_default_logger(logger);
  // The pattern opens the object; the message carries the rest of it, closing brace included
  // (see log_event).
  spdlog::set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v)");
  spdlog::set_level(level);
  spdlog::flush_on(spdlog::level::info);
}

void log_event(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields) {
  if (!spdlog::should_log(level)) return;
  nlohmann::json line = fields.is_object() ? fields : nlohmann::json::object();
  line["msg"] = msg;
  // Drop the opening brace: the pattern supplies it, with ts and level.
  const std::string body = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  spdlog::log(level, "{}", std::string_view(body).substr(1));
}

}  // namespace cell0::common
