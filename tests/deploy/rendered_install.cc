#include "tests/deploy/rendered_install.h"

#include <fstream>
#include <iterator>
#include <memory>

#include "common/yaml_json.h"
#include "tests/certs/temp_dir.h"
#include "tests/deploy/process.h"

namespace cell0::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string kubectl_problem() {
  const CommandResult version = run_command("kubectl version --client 2>&1");
  if (version.status != 0) return "kubectl not found: the deploy rendering checks are skipped";
  if (version.output.find("Kustomize Version: v5") == std::string::npos) {
    return "kubectl has no kustomize v5 (kubectl 1.27+): the deploy rendering checks are skipped";
  }
  return {};
}

RenderedInstall render() {
  RenderedInstall r;
  r.skip_reason = kubectl_problem();
  if (!r.skip_reason.empty()) return r;

  static TempDir tmp;  // lives until the test program exits
  r.deploy = tmp.path() / "deploy";
  fs::copy(fs::path(CELL0_SOURCE_DIR) / "deploy", r.deploy, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(r.deploy)) {
    if (e.path().parent_path().filename() == "certs" &&
        (e.path().extension() == ".crt" || e.path().extension() == ".key")) {
      fs::remove(e.path());  // a developer's own certificates stay out of the test
    }
  }
  for (const auto& e : fs::directory_iterator(r.deploy / "overlays")) {
    if (!fs::exists(e.path() / "certs")) continue;
    const CommandResult gen = run_command(
        shell_quote(CELL0_BINARY) + " certs generate --service cell0-webhook --namespace karmada-system --out " +
            shell_quote((e.path() / "certs").string()) + " 2>/dev/null",
        false);
    if (gen.status != 0) r.errors[e.path().string()] = "certs generate failed: " + gen.output;
  }
  for (const auto& e : fs::recursive_directory_iterator(r.deploy)) {
    if (e.path().filename() != "kustomization.yaml") continue;
    const std::string text = read_file(e.path());
    if (text.find("kind: Component") != std::string::npos) continue;
    const fs::path dir = e.path().parent_path();
    const std::string key = fs::relative(dir, r.deploy).string();
    if (key == "crds" || key.find("/customizations") != std::string::npos) continue;  // pieces, not installs
    const CommandResult out = run_command("kubectl kustomize " + shell_quote(dir.string()) + " 2>&1");
    if (out.status != 0) {
      r.errors[key] = out.output;
      continue;
    }
    auto objects = common::parse_yaml_documents(out.output);
    if (objects) {
      r.objects[key] = std::move(*objects);
    } else {
      r.errors[key] = objects.error().message;
    }
  }
  return r;
}

}  // namespace

const RenderedInstall& rendered_install() {
  static const RenderedInstall r = render();
  return r;
}

std::vector<json> select(const std::vector<json>& objects, const std::string& kind, const std::string& name) {
  std::vector<json> out;
  for (const auto& o : objects) {
    if (o.value("kind", "") != kind) continue;
    if (!name.empty() && o["metadata"].value("name", "") != name) continue;
    out.push_back(o);
  }
  return out;
}

const json* find_one(const std::vector<json>& objects, const std::string& kind, const std::string& name) {
  for (const auto& o : objects) {
    if (o.value("kind", "") == kind && o["metadata"].value("name", "") == name) return &o;
  }
  return nullptr;
}

}  // namespace cell0::testing
