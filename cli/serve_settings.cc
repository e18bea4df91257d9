#include "cli/serve_settings.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/log.h"
#include "webhook/server.h"

namespace cell0::cli {
namespace {

namespace fs = std::filesystem;

common::Error config_error(std::string message) { return common::Error{common::ErrorKind::Config, std::move(message)}; }

// A number followed by a unit from the table; the unit may be empty when "" is in the table.
template <typename T>
common::Result<T> parse_with_unit(std::string_view text, const std::map<std::string, double>& units, const char* what) {
  const auto digits_end = text.find_first_not_of("0123456789.");
  const std::string_view number = text.substr(0, digits_end);
  const std::string unit(digits_end == std::string_view::npos ? std::string_view() : text.substr(digits_end));
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  auto it = units.find(unit);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || it == units.end()) {
    return config_error(fmt::format("invalid {} \"{}\"", what, text));
  }
  return static_cast<T>(value * it->second);
}

std::string yaml_scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) throw YAML::Exception(node.Mark(), key + " must be a single value");
  return node.as<std::string>();
}

std::vector<std::string> yaml_list(const YAML::Node& node, const std::string& key) {
  if (node.IsScalar()) return {node.as<std::string>()};
  if (!node.IsSequence()) throw YAML::Exception(node.Mark(), key + " must be a list");
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(yaml_scalar(item, key));
  return out;
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

std::string setting_key(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

common::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  static const std::map<std::string, double> kUnits = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  auto ms = parse_with_unit<long long>(text, kUnits, "duration");
  if (!ms) return ms.error();
  return std::chrono::milliseconds(*ms);
}

common::Result<std::size_t> parse_byte_size(std::string_view text) {
  static const std::map<std::string, double> kUnits = {{"", 1},    {"k", 1e3},   {"K", 1e3},      {"M", 1e6},
                                                       {"G", 1e9}, {"Ki", 1024}, {"Mi", 1048576}, {"Gi", 1073741824}};
  return parse_with_unit<std::size_t>(text, kUnits, "size");
}

std::string format_duration(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return fmt::format("{}s", duration.count() / 1000);
  return fmt::format("{}ms", duration.count());
}

std::string format_byte_size(std::size_t bytes) {
  for (const auto& [unit, size] :
       {std::pair{"Gi", std::size_t{1} << 30}, {"Mi", std::size_t{1} << 20}, {"Ki", std::size_t{1} << 10}}) {
    if (bytes != 0 && bytes % size == 0) return fmt::format("{}{}", bytes / size, unit);
  }
  return std::to_string(bytes);
}

ServeSettings::ServeSettings() {
  const ServeConfig defaults;
  const webhook::ServerOptions& server = defaults.server;
  listen = fmt::format("{}:{}", server.host, server.port);
  threads = server.threads;
  shutdown_delay = format_duration(defaults.shutdown_delay);
  shutdown_grace = format_duration(defaults.shutdown_grace);
  lua_timeout = format_duration(defaults.engine.deadline);
  lua_memory = format_byte_size(defaults.engine.memory_limit);
  read_timeout = format_duration(server.read_timeout);
  write_timeout = format_duration(server.write_timeout);
  header_timeout = format_duration(server.header_timeout);
  body_timeout = format_duration(server.body_timeout);
  idle_timeout = format_duration(server.keep_alive_timeout);
  max_header_bytes = format_byte_size(server.max_header_bytes);
  max_request_bytes = format_byte_size(server.max_body_bytes);
  max_admission_bytes = format_byte_size(defaults.max_admission_bytes);
  max_connections = server.max_connections;
  const auto level = spdlog::level::to_string_view(defaults.log_level);
  log_level.assign(level.data(), level.size());
}

fs::path default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "cell0-webhook";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".local" / "state" / "cell0-webhook";
  }
  return ".cell0-state";
}

fs::path default_customizations_dir() {
  std::vector<fs::path> candidates;
  if (const fs::path exe = executable_dir(); !exe.empty()) {
    candidates.push_back(exe / ".." / "interpreters" / "customizations");
    candidates.push_back(exe / ".." / "share" / "cell0-webhook" / "customizations");
  }
#ifdef CELL0_BUNDLED_CUSTOMIZATIONS_DIR
  candidates.emplace_back(CELL0_BUNDLED_CUSTOMIZATIONS_DIR);
#endif
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec);
  }
  return {};
}

common::Result<common::Done> apply_config_file(const fs::path& file, ServeSettings& s,
                                               const std::set<std::string>& given) {
  using Setter = std::function<void(const YAML::Node&, const std::string&)>;
  auto text = [](std::string& field) -> Setter {
    return [&field](const YAML::Node& n, const std::string& k) { field = yaml_scalar(n, k); };
  };
  auto list = [](std::vector<std::string>& field) -> Setter {
    return [&field](const YAML::Node& n, const std::string& k) { field = yaml_list(n, k); };
  };
  const std::map<std::string, Setter> setters = {
      {"listen", text(s.listen)},
      {"tlscert", text(s.tls_cert)},
      {"tlskey", text(s.tls_key)},
      {"statedir", text(s.state_dir)},
      {"tlssan", list(s.tls_sans)},
      {"tlssans", list(s.tls_sans)},
      {"clientca", text(s.client_ca)},
      {"customizations", list(s.customizations)},
      {"policy", text(s.policy)},
      {"threads", [&s](const YAML::Node& n, const std::string&) { s.threads = n.as<std::size_t>(); }},
      {"shutdowndelay", text(s.shutdown_delay)},
      {"shutdowngrace", text(s.shutdown_grace)},
      {"luatimeout", text(s.lua_timeout)},
      {"luamemory", text(s.lua_memory)},
      {"readtimeout", text(s.read_timeout)},
      {"writetimeout", text(s.write_timeout)},
      {"headertimeout", text(s.header_timeout)},
      {"bodytimeout", text(s.body_timeout)},
      {"idletimeout", text(s.idle_timeout)},
      {"maxheaderbytes", text(s.max_header_bytes)},
      {"maxrequestbytes", text(s.max_request_bytes)},
      {"maxadmissionbytes", text(s.max_admission_bytes)},
      {"maxconnections", [&s](const YAML::Node& n, const std::string&) { s.max_connections = n.as<std::size_t>(); }},
      {"loglevel", text(s.log_level)},
      {"kubeconfig", text(s.kubeconfig)},
      {"context", text(s.context)},
      {"incluster", [&s](const YAML::Node& n, const std::string&) { s.in_cluster = n.as<bool>(); }},
      {"cell0kubeconfig", text(s.cell0_kubeconfig)},
      {"cell0incluster", [&s](const YAML::Node& n, const std::string&) { s.cell0_in_cluster = n.as<bool>(); }},
  };
  try {
    const YAML::Node root = YAML::LoadFile(file.string());
    if (root.IsNull()) return common::Done{};
    if (!root.IsMap()) return config_error(file.string() + ": expected a map of settings");
    for (const auto& entry : root) {
      const std::string name = entry.first.as<std::string>();
      const std::string key = setting_key(name);
      if (key == "apiversion" || key == "kind") continue;
      auto it = setters.find(key);
      if (it == setters.end()) return config_error(fmt::format("{}: unknown setting \"{}\"", file.string(), name));
      // "tls-san" and "tls-sans" are one setting.
      const std::string flag_key = key == "tlssans" ? "tlssan" : key;
      if (given.count(flag_key) == 0) it->second(entry.second, name);
    }
  } catch (const YAML::Exception& e) {
    return config_error(fmt::format("{}: {}", file.string(), e.what()));
  }
  return common::Done{};
}

common::Result<ServeConfig> resolve_settings(const ServeSettings& s) {
  ServeConfig c;
  auto listen = webhook::parse_listen_address(s.listen);
  if (!listen) return config_error("--listen: " + listen.error().message);
  c.server.host = listen->first;
  c.server.port = listen->second;

  if (s.tls_cert.empty() != s.tls_key.empty()) return config_error("--tls-cert and --tls-key go together");
  c.server.cert_file = s.tls_cert;
  c.server.key_file = s.tls_key;
  c.state_dir = s.state_dir.empty() ? default_state_dir() : fs::path(s.state_dir);
  c.sans = {"localhost", "127.0.0.1"};
  for (const auto& san : s.tls_sans) {
    if (std::find(c.sans.begin(), c.sans.end(), san) == c.sans.end()) c.sans.push_back(san);
  }
  c.server.client_ca_file = s.client_ca;
  c.policy = s.policy;
  if (!s.kubeconfig.empty() && s.in_cluster) return config_error("--kubeconfig and --in-cluster exclude each other");
  if (!s.context.empty() && s.kubeconfig.empty()) return config_error("--context needs --kubeconfig");
  c.kubeconfig = s.kubeconfig;
  c.kube_context = s.context;
  c.in_cluster = s.in_cluster;
  if (!s.cell0_kubeconfig.empty() && s.cell0_in_cluster) {
    return config_error("--cell0-kubeconfig and --cell0-in-cluster exclude each other");
  }
  c.cell0_kubeconfig = s.cell0_kubeconfig;
  c.cell0_in_cluster = s.cell0_in_cluster;

  if (s.customizations.empty()) {
    const fs::path bundled = default_customizations_dir();
    if (bundled.empty()) return config_error("no --customizations given and the bundled customizations were not found");
    c.customizations.push_back(bundled);
  } else {
    c.customizations.assign(s.customizations.begin(), s.customizations.end());
  }
  for (const auto& p : c.customizations) {
    std::error_code ec;
    if (!fs::exists(p, ec)) return config_error("--customizations: " + p.string() + " does not exist");
  }
  for (const auto& [flag, path] : {std::pair{"--tls-cert", c.server.cert_file},
                                   {"--tls-key", c.server.key_file},
                                   {"--client-ca", c.server.client_ca_file},
                                   {"--policy", c.policy},
                                   {"--kubeconfig", c.kubeconfig},
                                   {"--cell0-kubeconfig", c.cell0_kubeconfig}}) {
    std::error_code ec;
    if (!path.empty() && !fs::is_regular_file(path, ec)) {
      return config_error(fmt::format("{}: {} is not a readable file", flag, path.string()));
    }
  }

  if (s.threads > 1024) return config_error("--threads: at most 1024");
  c.server.threads = s.threads;
  c.engine.pool_size = webhook::server_threads(s.threads);
  auto grace = parse_duration(s.shutdown_grace);
  if (!grace) return config_error("--shutdown-grace: " + grace.error().message);
  c.shutdown_grace = *grace;
  auto delay = parse_duration(s.shutdown_delay);
  if (!delay) return config_error("--shutdown-delay: " + delay.error().message);
  c.shutdown_delay = *delay;
  auto timeout = parse_duration(s.lua_timeout);
  if (!timeout || timeout->count() <= 0) {
    return config_error("--lua-timeout: " + (timeout ? std::string("must be positive") : timeout.error().message));
  }
  c.engine.deadline = *timeout;
  auto memory = parse_byte_size(s.lua_memory);
  if (!memory || *memory < (1u << 20)) {
    return config_error("--lua-memory: " + (memory ? std::string("at least 1Mi") : memory.error().message));
  }
  c.engine.memory_limit = *memory;
  // Client limits: positive durations up to an hour, sizes within sane bounds.
  for (const auto& [flag, text, field] : {std::tuple{"--read-timeout", &s.read_timeout, &c.server.read_timeout},
                                          {"--write-timeout", &s.write_timeout, &c.server.write_timeout},
                                          {"--header-timeout", &s.header_timeout, &c.server.header_timeout},
                                          {"--body-timeout", &s.body_timeout, &c.server.body_timeout},
                                          {"--idle-timeout", &s.idle_timeout, &c.server.keep_alive_timeout}}) {
    auto d = parse_duration(*text);
    if (!d) return config_error(std::string(flag) + ": " + d.error().message);
    if (d->count() <= 0 || *d > std::chrono::hours(1)) {
      return config_error(fmt::format("{}: must be more than 0 and at most 1h, got \"{}\"", flag, *text));
    }
    *field = *d;
  }
  struct SizeLimit {
    const char* flag;
    const std::string* text;
    std::size_t* field;
    std::size_t min;
    const char* min_text;
  };
  for (const SizeLimit& l :
       {SizeLimit{"--max-header-bytes", &s.max_header_bytes, &c.server.max_header_bytes, 32u << 10, "32Ki"},
        SizeLimit{"--max-request-bytes", &s.max_request_bytes, &c.server.max_body_bytes, 1u << 10, "1Ki"},
        SizeLimit{"--max-admission-bytes", &s.max_admission_bytes, &c.max_admission_bytes, 1u << 10, "1Ki"}}) {
    auto n = parse_byte_size(*l.text);
    if (!n) return config_error(std::string(l.flag) + ": " + n.error().message);
    if (*n < l.min || *n > (1u << 30)) {
      return config_error(fmt::format("{}: must be between {} and 1Gi, got \"{}\"", l.flag, l.min_text, *l.text));
    }
    *l.field = *n;
  }
  if (s.max_connections > 1000000) return config_error("--max-connections: at most 1000000 (0: no cap)");
  c.server.max_connections = s.max_connections;
  auto level = common::parse_log_level(s.log_level);
  if (!level)
    return config_error("--log-level: unknown level \"" + s.log_level + "\" (trace, debug, info, warn, error)");
  c.log_level = *level;
  return c;
}

}  // namespace cell0::cli
