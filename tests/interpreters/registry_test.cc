// Loading customizations: validation at load, with errors naming file, customization, rule, line.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "interpreters/registry.h"

using cell0::common::ErrorKind;
namespace fs = std::filesystem;

namespace {

struct TempFile {
  explicit TempFile(const std::string& text) {
    path = fs::temp_directory_path() /
           ("cell0-registry-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".yaml");
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
  static inline int n = 0;
  fs::path path;
};

std::string load_error(const std::string& text) {
  TempFile f(text);
  auto r = cell0::interp::load_registry({f.path});
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

const char* kHeader = "apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\n";

}  // namespace

TEST_CASE("a valid multi-document file loads and is indexed by target", "[registry]") {
  TempFile f(std::string(kHeader) + R"(metadata: {name: one}
spec:
  target: {apiVersion: apps/v1, kind: Deployment}
  customizations:
    healthInterpretation:
      luaScript: "function InterpretHealth(obj) return true end"
---
)" + kHeader +
             R"(metadata: {name: two}
spec:
  target: {apiVersion: apps/v1, kind: StatefulSet}
  customizations:
    replicaResource:
      luaScript: "function GetReplicas(obj) return 1 end"
)");
  auto r = cell0::interp::load_registry({f.path});
  REQUIRE(r.ok());
  CHECK((*r)->all().size() == 2);
  REQUIRE((*r)->find("apps/v1", "Deployment") != nullptr);
  CHECK((*r)->find("apps/v1", "DaemonSet") == nullptr);
  auto info = cell0::interp::registry_info(**r);
  CHECK(info.kinds == 2);
}

TEST_CASE("bad customization files are refused with a precise error", "[registry]") {
  SECTION("invalid YAML names the file and line") {
    auto e = load_error("apiVersion: [unclosed\n");
    CHECK(e.find(".yaml: line") != std::string::npos);
  }
  // yaml-cpp 0.7 alone would never return on these: each leaves a ',' where a document begins.
  SECTION("a document starting with ',' is refused") {
    auto e = load_error("# comment\n---\n,apiVersion: v1\n");
    CHECK(e.find("line 3, column 1: unexpected token where a document should begin") != std::string::npos);
  }
  SECTION("a flow collection or quoted scalar followed by ',' is refused") {
    for (const char* text : {"[a, b],\n", "{a: b} ,\n", "\"a\",\n", "'a', b\n", "kind: x\n---\n[a]\n,\n"}) {
      INFO(text);
      CHECK(load_error(text).find("unexpected token where a document should begin") != std::string::npos);
    }
  }
  SECTION("another kind") {
    auto e = load_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    CHECK(e.find("expected apiVersion config.karmada.io/v1alpha1, kind ResourceInterpreterCustomization, got v1, kind "
                 "ConfigMap") != std::string::npos);
  }
  SECTION("a syntax error names file, customization, rule and line") {
    auto e = load_error(std::string(kHeader) + R"(metadata: {name: broken}
spec:
  target: {apiVersion: v1, kind: Foo}
  customizations:
    healthInterpretation:
      luaScript: |
        function InterpretHealth(obj)
          return obj.x ==
        end
)");
    CHECK(e.find("broken/healthInterpretation:3:") != std::string::npos);
  }
  SECTION("unknown rule") {
    auto e = load_error(std::string(kHeader) +
                        "metadata: {name: x}\nspec:\n  target: {apiVersion: v1, kind: Foo}\n"
                        "  customizations:\n    replicaResources:\n      luaScript: x\n");
    CHECK(e.find("unknown rule spec.customizations.replicaResources") != std::string::npos);
  }
  SECTION("missing target") {
    auto e = load_error(std::string(kHeader) + "metadata: {name: x}\nspec:\n  customizations: {}\n");
    CHECK(e.find("x: spec.target.apiVersion and spec.target.kind are required") != std::string::npos);
  }
  SECTION("duplicate names") {
    auto e = load_error(std::string(kHeader) +
                        "metadata: {name: x}\nspec:\n  target: {apiVersion: v1, kind: Foo}\n"
                        "  customizations: {}\n---\n" +
                        kHeader +
                        "metadata: {name: x}\nspec:\n  target: {apiVersion: v1, kind: Bar}\n  customizations: {}\n");
    CHECK(e.find("customization x is also defined in") != std::string::npos);
  }
  SECTION("a missing path") {
    auto r = cell0::interp::load_registry({"/nonexistent/cell0"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Config);
  }
}
