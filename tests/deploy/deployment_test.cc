// The rendered Deployment: Cell0 zone rules, hardening, probes, and arguments that `serve
// --check-config` accepts with the rendered ConfigMaps and Secrets mounted where it says; and
// the registration paths are ones `serve` answers.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <set>

#include <httplib.h>

#include "common/base64.h"
#include "tests/certs/temp_dir.h"
#include "tests/deploy/process.h"
#include "tests/deploy/rendered_install.h"

using nlohmann::json;
using namespace cell0::testing;
namespace fs = std::filesystem;

namespace {

const json& webhook_container(const json& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0];
}

std::string decode(const std::string& base64) {
  std::string compact;
  for (char c : base64) {
    if (c != '\n' && c != '\r') compact += c;
  }
  return cell0::common::base64_decode(compact).value_or("");
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// What the kubelet would mount, under `root`: rendered ConfigMaps and Secrets as files, stand-ins
// for the Secrets made outside kustomize (the reconciler's kubeconfig, cert-manager's certificate).
void materialize_volumes(const std::vector<json>& objects, const json& pod, const fs::path& root,
                         const fs::path& certs_dir) {
  for (const auto& mount : pod["containers"][0]["volumeMounts"]) {
    const fs::path dir = root / fs::path(mount["mountPath"].get<std::string>()).relative_path();
    fs::create_directories(dir);
    const json* volume = nullptr;
    for (const auto& v : pod["volumes"]) {
      if (v["name"] == mount["name"]) volume = &v;
    }
    REQUIRE(volume != nullptr);
    if (volume->contains("configMap")) {
      const json* cm = find_one(objects, "ConfigMap", (*volume)["configMap"]["name"]);
      REQUIRE(cm != nullptr);
      for (const auto& [key, value] : (*cm)["data"].items()) write(dir / key, value.get<std::string>());
    } else if (volume->contains("secret")) {
      const std::string name = (*volume)["secret"]["secretName"];
      if (const json* secret = find_one(objects, "Secret", name)) {
        for (const auto& [key, value] : (*secret)["data"].items()) write(dir / key, decode(value));
      } else if (name == "cell0-webhook-tls") {
        for (const char* f : {"tls.crt", "tls.key", "ca.crt"}) fs::copy_file(certs_dir / f, dir / f);
      } else if (name == "cell0-webhook-karmada-kubeconfig") {
        // As deploy/make-reconciler-kubeconfig.sh writes it (any CA serves for the check).
        std::ifstream ca(certs_dir / "ca.crt");
        const std::string ca_pem((std::istreambuf_iterator<char>(ca)), std::istreambuf_iterator<char>());
        write(dir / "kubeconfig", R"(apiVersion: v1
kind: Config
clusters:
  - name: karmada
    cluster:
      server: "https://karmada-apiserver.karmada-system.svc:5443"
      certificate-authority-data: )" + cell0::common::base64_encode(ca_pem) +
                                      R"(
users:
  - name: reconciler
    user: {token: stand-in}
contexts:
  - name: karmada
    context: {cluster: karmada, user: reconciler}
current-context: karmada
)");
      } else {
        FAIL("no content for Secret " << name);
      }
    }
  }
}

}  // namespace

TEST_CASE("the Deployment follows the Cell0 zone rules and runs hardened", "[deploy]") {
  const auto& r = rendered_install();
  if (!r.skip_reason.empty()) {
    WARN(r.skip_reason);
    return;
  }
  const auto& host = r.objects.at("overlays/karmada/host");
  const json* deployment = find_one(host, "Deployment", "cell0-webhook");
  REQUIRE(deployment != nullptr);
  const json& spec = (*deployment)["spec"];
  const json& pod = spec["template"]["spec"];
  const json& pod_labels = spec["template"]["metadata"]["labels"];
  CHECK(spec["replicas"] >= 2);

  bool zone_spread = false;
  for (const auto& c : pod["topologySpreadConstraints"]) {
    if (c["topologyKey"] == "zone.node-label.ccos.io" && c["maxSkew"] == 1) zone_spread = true;
  }
  CHECK(zone_spread);
  bool anti_arbitration = false;
  for (const auto& term :
       pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]) {
    for (const auto& e : term["matchExpressions"]) {
      if (e["key"] == "zone.node-label.ccos.io" && e["operator"] == "NotIn" &&
          e["values"] == json({"reserved-arbitration"})) {
        anti_arbitration = true;
      }
    }
  }
  CHECK(anti_arbitration);

  CHECK(pod["securityContext"]["runAsNonRoot"] == true);
  CHECK(pod["securityContext"]["runAsUser"] != 0);
  const json& c = webhook_container(*deployment);
  CHECK(c["securityContext"]["readOnlyRootFilesystem"] == true);
  CHECK(c["securityContext"]["allowPrivilegeEscalation"] == false);
  for (const char* res : {"cpu", "memory"}) {
    CHECK(c["resources"]["requests"].contains(res));
    CHECK(c["resources"]["limits"].contains(res));
  }
  CHECK(c["readinessProbe"]["httpGet"] == json({{"scheme", "HTTPS"}, {"path", "/readyz"}, {"port", "https"}}));
  CHECK(c["livenessProbe"]["httpGet"] == json({{"scheme", "HTTPS"}, {"path", "/healthz"}, {"port", "https"}}));
  CHECK(c["lifecycle"]["preStop"].contains("exec"));
  CHECK(pod["terminationGracePeriodSeconds"] > 10);
  CHECK(c["ports"][0]["name"] == "https");
  CHECK(c["ports"][0]["containerPort"] == 8443);

  // The PodDisruptionBudget and the Service select these pods.
  const json* pdb = find_one(host, "PodDisruptionBudget", "cell0-webhook");
  REQUIRE(pdb != nullptr);
  for (const auto& [k, v] : (*pdb)["spec"]["selector"]["matchLabels"].items()) CHECK(pod_labels[k] == v);
  CHECK((*pdb)["spec"]["minAvailable"] == 1);
  const json* service = find_one(host, "Service", "cell0-webhook");
  REQUIRE(service != nullptr);
  for (const auto& [k, v] : (*service)["spec"]["selector"].items()) CHECK(pod_labels[k] == v);
  CHECK((*service)["spec"]["ports"][0]["targetPort"] == "https");
}

TEST_CASE("serve --check-config accepts the Deployment's arguments with its volumes mounted", "[deploy]") {
  const auto& r = rendered_install();
  if (!r.skip_reason.empty()) {
    WARN(r.skip_reason);
    return;
  }
  for (const char* overlay : {"overlays/karmada", "overlays/cert-manager"}) {
    INFO(overlay);
    const auto& host = r.objects.at(std::string(overlay) + "/host");
    const json* deployment = find_one(host, "Deployment", "cell0-webhook");
    REQUIRE(deployment != nullptr);
    const json& pod = (*deployment)["spec"]["template"]["spec"];
    const json& container = webhook_container(*deployment);
    CHECK_FALSE(container.contains("command"));  // the image's entrypoint is the binary
    TempDir root;
    materialize_volumes(host, pod, root.path(), r.deploy / overlay / "certs");

    std::string command = shell_quote(CELL0_BINARY);
    for (const auto& a : container["args"]) {
      // --flag=/mount/path/file -> --flag=ROOT/mount/path/file (the longest mount that holds it)
      std::string arg = a.get<std::string>();
      const auto eq = arg.find('=');
      const std::string value = eq == std::string::npos ? arg : arg.substr(eq + 1);
      std::string best;
      for (const auto& mount : container["volumeMounts"]) {
        const std::string path = mount["mountPath"];
        if ((value == path || value.starts_with(path + "/")) && path.size() > best.size()) best = path;
      }
      if (!best.empty()) {
        arg =
            arg.substr(0, eq + 1) + (root.path() / fs::path(best).relative_path()).string() + value.substr(best.size());
      }
      command += " " + shell_quote(arg);
    }
    CHECK(container["args"][0] == "serve");
    const CommandResult result = run_command(command + " --check-config");
    INFO(command << " --check-config\n" << result.output);
    CHECK(result.status == 0);
    CHECK_THAT(result.output, Catch::Contains("configuration OK"));
  }
}

TEST_CASE("the registrations' paths are ones serve answers", "[deploy]") {
  const auto& r = rendered_install();
  if (!r.skip_reason.empty()) {
    WARN(r.skip_reason);
    return;
  }
  std::set<std::string> paths;
  for (const auto& o : r.objects.at("overlays/karmada/karmada-apiserver")) {
    for (const auto& hook : o.value("webhooks", json::array())) {
      const std::string url = hook["clientConfig"]["url"];
      paths.insert(url.substr(url.find('/', std::string("https://").size())));
    }
  }
  CHECK(paths == std::set<std::string>{"/mutate", "/validate", "/interpreter"});

  TempDir dir;
  ServeProcess serve(dir.path() / "serve.log", {"--state-dir", (dir.path() / "state").string()});
  std::string why;
  REQUIRE(serve.wait_serving(std::chrono::seconds(20), why));
  httplib::SSLClient client("127.0.0.1", serve.port());
  client.enable_server_certificate_verification(false);
  for (const auto& path : paths) {
    INFO(path);
    // An empty object is no valid request, but a routed path answers it in its own envelope.
    auto res = client.Post(path.c_str(), "{}", "application/json");
    REQUIRE(res);
    CHECK(res->status != 404);
    CHECK(res->status != 405);
    CHECK(json::accept(res->body));
  }
  auto missing = client.Post("/no-such-path", "{}", "application/json");
  REQUIRE(missing);
  CHECK(missing->status == 404);
}

TEST_CASE("deploy/ is in sync with the bundled customizations and CRDs", "[deploy]") {
  const CommandResult result =
      run_command("CELL0_WEBHOOK=" + shell_quote(CELL0_BINARY) + " " +
                  shell_quote(std::string(CELL0_SOURCE_DIR) + "/deploy/sync-bundled.sh") + " --check");
  INFO(result.output);
  CHECK(result.status == 0);
}
