// deploy/make-reconciler-kubeconfig.sh against a stand-in kubectl: the kubeconfig it prints is
// one the taint reconciler loads, with the service account's token and karmada-apiserver's CA.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "certs/generate.h"
#include "certs/pem.h"
#include "common/base64.h"
#include "kube/kubeconfig.h"
#include "tests/certs/temp_dir.h"
#include "tests/deploy/process.h"

using namespace cell0::testing;
namespace fs = std::filesystem;

TEST_CASE("make-reconciler-kubeconfig.sh writes a kubeconfig the reconciler loads", "[reconciler-kubeconfig]") {
  TempDir tmp;
  auto ca = cell0::certs::generate_ca();
  REQUIRE(ca.ok());
  const std::string ca_pem = cell0::certs::to_pem(ca->cert.get());
  // Answers `kubectl ... get secret cell0-webhook-reconciler-token -o jsonpath={.data.X}` like the
  // token controller's Secret would.
  const fs::path kubectl = tmp.path() / "kubectl";
  std::ofstream(kubectl) << "#!/bin/sh\n"
                            "case \"$*\" in\n"
                            "  *cell0-webhook-reconciler-token*'{.data.token}'*) printf %s '"
                         << cell0::common::base64_encode("eyJhbGciOi.stand-in.token")
                         << "' ;;\n"
                            "  *cell0-webhook-reconciler-token*'{.data.ca\\.crt}'*) printf %s '"
                         << cell0::common::base64_encode(ca_pem)
                         << "' ;;\n"
                            "  *) echo \"unexpected: $*\" >&2; exit 1 ;;\n"
                            "esac\n";
  fs::permissions(kubectl, fs::perms::owner_all);

  const CommandResult out = run_command(
      "PATH=" + shell_quote(tmp.path().string()) + ":$PATH " +
          shell_quote(std::string(CELL0_SOURCE_DIR) + "/deploy/make-reconciler-kubeconfig.sh") + " karmada.config",
      false);
  INFO(out.output);
  REQUIRE(out.status == 0);
  std::ofstream(tmp.path() / "kubeconfig") << out.output;
  auto kube = cell0::kube::load_kubeconfig(tmp.path() / "kubeconfig");
  INFO((kube ? "" : kube.error().message));
  REQUIRE(kube.ok());
  CHECK(kube->server == "https://karmada-apiserver.karmada-system.svc:5443");
  CHECK(kube->token == "eyJhbGciOi.stand-in.token");
  CHECK(kube->ca_pem == ca_pem);
  CHECK_FALSE(kube->insecure_skip_tls_verify);

  const CommandResult other =
      run_command("PATH=" + shell_quote(tmp.path().string()) + ":$PATH " +
                      shell_quote(std::string(CELL0_SOURCE_DIR) + "/deploy/make-reconciler-kubeconfig.sh") +
                      " karmada.config https://10.0.0.8:6443",
                  false);
  CHECK_THAT(other.output, Catch::Contains("server: https://10.0.0.8:6443"));
}
