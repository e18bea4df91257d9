// `cell0-webhook certs generate`: the CA and serving certificate an in-cluster install needs,
// written as ca.crt, ca.key, tls.crt and tls.key, with the base64 caBundle on stdout.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "certs/generate.h"
#include "cli/command.h"
#include "common/result.h"

namespace cell0::cli {

struct GenerateCertsOptions {
  std::string service;
  std::string namespace_name;
  std::filesystem::path out;
  int days = 365;
  int ca_days = 3650;
  certs::KeyType key_type = certs::KeyType::EcdsaP256;
};

struct GeneratedCerts {
  std::string ca_bundle;  // base64 of ca.crt, as webhook registrations carry it
  bool reused_ca = false;
  std::vector<std::string> sans;
  std::chrono::system_clock::time_point not_after;
};

// <svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local
std::vector<std::string> service_dns_names(const std::string& service, const std::string& namespace_name);

// An existing ca.crt + ca.key in `out` is kept (so registered caBundles stay valid) and only the
// serving certificate is issued anew.
common::Result<GeneratedCerts> generate_install_certs(const GenerateCertsOptions& options);

Command add_certs_command(CLI::App& app);

}  // namespace cell0::cli
