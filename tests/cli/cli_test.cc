// The offline commands as a user runs them: output, exit status, one-line errors.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
  int status;
  std::string output;  // stdout and stderr
};

Run run(const std::string& args) {
  const std::string cmd = std::string(CELL0_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int rc = pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

struct TempDir {
  TempDir() {
    path = fs::temp_directory_path() / ("cell0-cli-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
  static inline int n = 0;
  fs::path path;
};

const std::string kSource = CELL0_SOURCE_DIR;
const std::string kBundled = kSource + "/interpreters/customizations";
const std::string kWorkload = kSource + "/examples/interpreter/workload.yaml";

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

const char* kCustomization = R"(apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata: {name: my-rules}
spec:
  target: {apiVersion: workload.example.io/v1alpha1, kind: Workload}
  customizations:
    healthInterpretation:
      luaScript: |
        function InterpretHealth(obj)
          return obj.status.readyReplicas ==
        end
)";

}  // namespace

TEST_CASE("interpret prints the result as YAML", "[cli]") {
  auto r = run("interpret -f " + kBundled + " --operation InterpretReplica --desired-file " + kWorkload);
  CHECK(r.status == 0);
  CHECK(r.output == "---\n# replica\n3\n---\n# requires\nresourceRequest:\n  cpu: 250m\n  memory: 256Mi\n");
  auto health = run("interpret -f " + kBundled + " --operation interprethealth --observed-file " + kWorkload);
  CHECK(health.status == 0);
  CHECK(health.output == "---\n# healthy\nfalse\n");
  auto revise =
      run("interpret -f " + kBundled + " --operation ReviseReplica --desired-replica 7 --desired-file " + kWorkload);
  CHECK(revise.status == 0);
  CHECK(revise.output.find("  replicas: 7\n") != std::string::npos);
}

TEST_CASE("interpret --check validates without running", "[cli]") {
  auto r = run("interpret --check -f " + kBundled);
  CHECK(r.status == 0);
  CHECK(r.output.find("customization(s) checked, no errors") != std::string::npos);
}

TEST_CASE("bad input gives a one-line error and a non-zero exit", "[cli]") {
  TempDir dir;
  SECTION("syntax error: file, customization, rule, line") {
    auto f = dir.write("bad.yaml", kCustomization);
    auto r = run("interpret -f " + f + " --operation InterpretHealth --observed-file " + kWorkload);
    CHECK(r.status == 1);
    CHECK(lines(r.output) == 1);
    CHECK(r.output.find("bad.yaml: my-rules/healthInterpretation:3:") != std::string::npos);
  }
  SECTION("invalid YAML") {
    auto f = dir.write("broken.yaml", "apiVersion: [\n  - x\n kind: y\n");
    auto r = run("interpret -f " + f + " --operation InterpretHealth --observed-file " + kWorkload);
    CHECK(r.status == 1);
    CHECK(lines(r.output) == 1);
    CHECK(r.output.find("broken.yaml: line") != std::string::npos);
  }
  SECTION("a CR of another kind") {
    auto f = dir.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    auto r = run("interpret -f " + f + " --operation InterpretHealth --observed-file " + kWorkload);
    CHECK(r.status == 1);
    CHECK(lines(r.output) == 1);
    CHECK(r.output.find("cm.yaml: expected apiVersion config.karmada.io/v1alpha1") != std::string::npos);
  }
  SECTION("unknown operation") {
    auto r = run("interpret -f " + kBundled + " --operation Explode --observed-file " + kWorkload);
    CHECK(r.status == 1);
    CHECK(lines(r.output) == 1);
    CHECK(r.output.find("unknown operation Explode") != std::string::npos);
  }
  SECTION("missing Lua function") {
    std::string text = kCustomization;
    text.replace(
        text.find("function InterpretHealth(obj)\n          return obj.status.readyReplicas ==\n        end"),
        std::string("function InterpretHealth(obj)\n          return obj.status.readyReplicas ==\n        end").size(),
        "function Healthy(obj) return true end");
    auto f = dir.write("missing.yaml", text);
    auto r = run("interpret -f " + f + " --operation InterpretHealth --observed-file " + kWorkload);
    CHECK(r.status == 1);
    CHECK(lines(r.output) == 1);
    CHECK(r.output.find("my-rules (healthInterpretation): not found function InterpretHealth") != std::string::npos);
    CHECK(r.output.find("missing.yaml") != std::string::npos);
  }
  SECTION("both desired and observed") {
    auto r = run("interpret -f " + kBundled + " --operation InterpretHealth --observed-file " + kWorkload +
                 " --desired-file " + kWorkload);
    CHECK(r.status == 1);
    CHECK(r.output.find("you can not specify both desired-file and observed-file options") != std::string::npos);
  }
  SECTION("a missing object file") {
    auto r = run("interpret -f " + kBundled + " --operation InterpretHealth --observed-file /nonexistent.yaml");
    CHECK(r.status == 1);
    CHECK(r.output.find("/nonexistent.yaml: cannot read file") != std::string::npos);
  }
}

TEST_CASE("test runs conformance cases and reports failures", "[cli]") {
  auto ok = run("test " + kBundled);
  CHECK(ok.status == 0);
  CHECK(ok.output.find(" passed, 0 failed\n") != std::string::npos);

  TempDir dir;
  fs::create_directories(dir.path / "Workload" / "testdata");
  fs::copy_file(kBundled + "/workload.example.io/v1alpha1/Workload/customizations.yaml",
                dir.path / "Workload" / "customizations.yaml");
  dir.write("Workload/testdata/health-test.yaml", R"(name: wrong expectation
operation: InterpretHealth
observedObj: {apiVersion: workload.example.io/v1alpha1, kind: Workload, metadata: {name: a}, spec: {replicas: 1}, status: {readyReplicas: 1}}
output: {healthy: false}
---
name: right expectation
operation: InterpretHealth
observedObj: {apiVersion: workload.example.io/v1alpha1, kind: Workload, metadata: {name: a}, spec: {replicas: 1}, status: {readyReplicas: 1}}
output: {healthy: true}
)");
  auto failing = run("test " + dir.path.string());
  CHECK(failing.status == 1);
  CHECK(failing.output.find("FAIL ") != std::string::npos);
  CHECK(failing.output.find("\"wrong expectation\" (InterpretHealth)") != std::string::npos);
  CHECK(failing.output.find("expected: false") != std::string::npos);
  CHECK(failing.output.find("got:      true") != std::string::npos);
  CHECK(failing.output.find("1 passed, 1 failed\n") != std::string::npos);
}

namespace {

// review --clusters: the same inventory path as serve, offline (issue 16).
TEST_CASE("review --clusters places an Egress gateway one cluster per zone; without it, a warning") {
  const std::string examples = kSource + "/examples/admission/";
  Run r = run("review -f " + examples + "anydoor-egress.yaml --clusters " + examples + "clusters.yaml");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("biz-hz1-b") != std::string::npos);  // biz-hz1-a is NotReady
  CHECK(r.output.find("biz-hz2-a") != std::string::npos);
  CHECK(r.output.find("biz-hz2-b") == std::string::npos);
  CHECK(r.output.find("anydoor.ccos.io/managed-placement") != std::string::npos);
  r = run("review -f " + examples + "anydoor-egress.yaml");
  CHECK(r.status == 0);
  CHECK(r.output.find("no cluster inventory") != std::string::npos);
  r = run("review -f " + examples + "anydoor-gateway-no-scenario.yaml");
  CHECK(r.status == 1);
  CHECK(r.output.find("anydoor policy needs anydoor.ccos.io/scenario") != std::string::npos);
  r = run("review -f " + examples + "pp-tenant-valued-toleration.yaml");
  CHECK(r.status == 1);
}

}  // namespace
