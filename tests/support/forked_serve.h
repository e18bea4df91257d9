// `serve` run in a forked child for end-to-end tests; the child never outlives the test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "cli/serve_command.h"
#include "cli/serve_settings.h"

namespace cell0::testing {

// A loopback port free right now, for a server about to bind it.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// An HTTPS client of a serve listening on `port`, trusting the CA it generated (`ca`).
inline std::unique_ptr<httplib::SSLClient> serve_client(int port, const std::filesystem::path& ca,
                                                        std::chrono::seconds connect_timeout = std::chrono::seconds(2),
                                                        std::chrono::seconds read_timeout = std::chrono::seconds(5)) {
  auto cli = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  cli->set_ca_cert_path(ca.c_str());
  cli->enable_server_certificate_verification(true);
  cli->set_tcp_nodelay(true);
  cli->set_connection_timeout(connect_timeout);
  cli->set_read_timeout(read_timeout);
  return cli;
}

class ForkedServe {
 public:
  explicit ForkedServe(const cli::ServeConfig& config) : pid_(::fork()) {
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) std::_Exit(cli::run_serve(config));
  }
  ~ForkedServe() {
    if (!reaped_ && ::waitpid(pid_, nullptr, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  ForkedServe(const ForkedServe&) = delete;
  ForkedServe& operator=(const ForkedServe&) = delete;

  // Sends SIGTERM and waits up to `limit`; the wait status once the child exited.
  std::optional<int> terminate(std::chrono::milliseconds limit) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

// A ForkedServe logging errors only (no line per request); this process keeps its level.
inline std::unique_ptr<ForkedServe> quiet_serve(const cli::ServeConfig& config) {
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::err);  // the child inherits it
  auto serve = std::make_unique<ForkedServe>(config);
  spdlog::set_level(level);
  return serve;
}

// VmRSS of a process in KiB, or -1.
inline long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace cell0::testing
