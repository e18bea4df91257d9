// Structured logs: one JSON object per line on stderr, through spdlog.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <spdlog/common.h>
#include <nlohmann/json.hpp>

namespace cell0::common {

// trace | debug | info | warn | error | critical | off
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Points the default spdlog logger at stderr with a JSON line format.
void setup_json_logging(spdlog::level::level_enum level);

// {"ts":…,"level":…,"msg":msg, ...fields}
void log_event(spdlog::level::level_enum level, std::string_view msg,
               const nlohmann::json& fields = nlohmann::json::object());

}  // namespace cell0::common
