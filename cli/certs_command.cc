#include "cli/certs_command.h"

#include <cstdio>
#include <memory>
#include <system_error>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "certs/pem.h"
#include "certs/state_dir.h"
#include "common/base64.h"

namespace cell0::cli {
namespace {

namespace fs = std::filesystem;

// A DNS-1123 label, as Service and Namespace names are.
bool is_dns_label(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// The CA already in `out`, when both of its files are there.
common::Result<std::optional<certs::KeyPair>> existing_ca(const fs::path& out) {
  std::error_code ec;
  const bool has_cert = fs::exists(out / certs::kCaCertFile, ec);
  const bool has_key = fs::exists(out / certs::kCaKeyFile, ec);
  if (!has_cert && !has_key) return std::optional<certs::KeyPair>{};
  if (has_cert != has_key) {
    return input_error(fmt::format("{} has only one of {} and {}: remove it or add the other", out.string(),
                                   certs::kCaCertFile, certs::kCaKeyFile));
  }
  auto ca = certs::load_key_pair(out / certs::kCaCertFile, out / certs::kCaKeyFile);
  if (!ca) return ca.error();
  return std::optional<certs::KeyPair>{std::move(*ca)};
}

}  // namespace

std::vector<std::string> service_dns_names(const std::string& service, const std::string& namespace_name) {
  const std::string svc = service + "." + namespace_name + ".svc";
  return {service, service + "." + namespace_name, svc, svc + ".cluster.local"};
}

common::Result<GeneratedCerts> generate_install_certs(const GenerateCertsOptions& options) {
  if (!is_dns_label(options.service)) {
    return input_error("--service \"" + options.service + "\" is not a valid Service name (DNS-1123 label)");
  }
  if (!is_dns_label(options.namespace_name)) {
    return input_error("--namespace \"" + options.namespace_name + "\" is not a valid namespace name (DNS-1123 label)");
  }
  if (options.days < 1) return input_error("--days must be at least 1");

  GeneratedCerts result;
  result.sans = service_dns_names(options.service, options.namespace_name);
  auto found = existing_ca(options.out);
  if (!found) return found.error();
  certs::KeyPair ca;
  if (*found) {
    ca = std::move(**found);
    result.reused_ca = true;
  } else {
    auto fresh = certs::generate_ca(
        certs::CaOptions{.common_name = "cell0-webhook-ca", .days = options.ca_days, .key_type = options.key_type});
    if (!fresh) return fresh.error();
    ca = std::move(*fresh);
  }
  const auto wanted_end = std::chrono::system_clock::now() + std::chrono::hours(24) * options.days;
  if (certs::not_after(ca.cert.get()) < wanted_end) {
    return input_error(
        fmt::format("the CA in {} expires before a {}-day certificate would: remove {} and {} to "
                    "make a new CA (and re-register its caBundle), or pass a smaller --days",
                    options.out.string(), options.days, certs::kCaCertFile, certs::kCaKeyFile));
  }
  auto serving = certs::issue_certificate(ca, certs::CertOptions{.common_name = result.sans[2],
                                                                 .sans = result.sans,
                                                                 .days = options.days,
                                                                 .key_type = options.key_type,
                                                                 .usage = certs::Usage::Server});
  if (!serving) return serving.error();
  auto written = certs::write_cert_dir(options.out, ca, *serving, !result.reused_ca);
  if (!written) return written.error();
  result.not_after = written->not_after;
  result.ca_bundle = common::base64_encode(certs::to_pem(ca.cert.get()));
  return result;
}

Command add_certs_command(CLI::App& app) {
  CLI::App* certs_cmd = app.add_subcommand("certs", "Certificates for an in-cluster install");
  certs_cmd->require_subcommand(1);
  auto options = std::make_shared<GenerateCertsOptions>();
  auto key = std::make_shared<std::string>("ecdsa");
  CLI::App* gen = certs_cmd->add_subcommand(
      "generate",
      "Write ca.crt, ca.key, tls.crt, tls.key for the Service's DNS names into --out and print the base64 "
      "caBundle; an existing CA in --out is kept and only the serving certificate is renewed");
  gen->add_option("--service", options->service, "Service name of the webhook")->required();
  gen->add_option("--namespace", options->namespace_name, "Namespace of the Service")->required();
  gen->add_option("--out", options->out, "Output directory (created 0700 when missing)")->required();
  gen->add_option("--days", options->days, "Validity of the serving certificate")->capture_default_str();
  gen->add_option("--key", *key, "Key algorithm")->check(CLI::IsMember({"ecdsa", "rsa"}))->capture_default_str();
  return Command{gen, 1, [options, key]() -> common::Result<int> {
                   options->key_type = *key == "rsa" ? certs::KeyType::Rsa2048 : certs::KeyType::EcdsaP256;
                   auto generated = generate_install_certs(*options);
                   if (!generated) return generated.error();
                   const std::time_t end = std::chrono::system_clock::to_time_t(generated->not_after);
                   std::fprintf(stderr, "%s CA; wrote %s/{%s,%s,%s%s}; serving certificate for %s valid until %s\n",
                                generated->reused_ca ? "kept the existing" : "generated a new",
                                options->out.string().c_str(), certs::kCaCertFile, certs::kCertFile, certs::kKeyFile,
                                generated->reused_ca ? "" : ",ca.key",
                                fmt::format("{}", fmt::join(generated->sans, ", ")).c_str(),
                                fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(end)).c_str());
                   std::printf("%s\n", generated->ca_bundle.c_str());
                   return 0;
                 }};
}

}  // namespace cell0::cli
