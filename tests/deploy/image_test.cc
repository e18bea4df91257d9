// The image: the runtime packages of scripts/install-deps cover every library the binary loads,
// and deploy/Dockerfile builds with install-deps, runs as a numeric non-root user and smoke-checks
// with --check-config. (docker cannot run here; these are the checks that can.)
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>

#include "tests/certs/temp_dir.h"
#include "tests/deploy/process.h"

using namespace cell0::testing;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

}  // namespace

TEST_CASE("install-deps --runtime covers the libraries the binary loads", "[image]") {
  const std::string script = read_file(fs::path(CELL0_SOURCE_DIR) / "scripts/install-deps");
  std::smatch m;
  REQUIRE(std::regex_search(script, m, std::regex(R"(runtime_packages=\(([^)]*)\))")));
  std::set<std::string> allowed = words(m[1].str());
  // In debian:bookworm-slim already, or pulled in by the packages above.
  for (const char* p : {"libc6", "libstdc++6", "libgcc-s1", "zlib1g", "libbrotli1"}) allowed.insert(p);

  const CommandResult ldd = run_command("ldd " + shell_quote(CELL0_BINARY));
  if (ldd.status != 0 || run_command("command -v dpkg-query").status != 0) {
    WARN("ldd or dpkg not available: skipped");
    return;
  }
  if (ldd.output.find("libasan") != std::string::npos) {
    WARN("sanitizer build: its runtime is not part of the image");
    return;
  }
  std::istringstream lines(ldd.output);
  for (std::string line; std::getline(lines, line);) {
    const auto arrow = line.find("=> /");
    if (arrow == std::string::npos) continue;
    const std::string path = line.substr(arrow + 3, line.find(" (", arrow) - arrow - 3);
    // dpkg knows a file by the path its package ships, which /usr-merge and symlinks may hide.
    const std::string q = shell_quote(path);
    const CommandResult owner =
        run_command("r=$(readlink -f " + q + "); dpkg -S " + q +
                        " 2>/dev/null || dpkg -S \"$r\" 2>/dev/null || dpkg -S \"${r#/usr}\" 2>/dev/null",
                    false);
    INFO(line << " -> " << owner.output);
    REQUIRE(owner.status == 0);
    const std::string package = owner.output.substr(0, owner.output.find_first_of(":"));
    CHECK(allowed.count(package) == 1);
  }
}

TEST_CASE("the Dockerfile builds in two bookworm-slim stages and runs as non-root", "[image]") {
  const std::string dockerfile = read_file(fs::path(CELL0_SOURCE_DIR) / "deploy/Dockerfile");
  const std::regex from(R"(^FROM debian:bookworm-slim)", std::regex::multiline);
  CHECK(std::distance(std::sregex_iterator(dockerfile.begin(), dockerfile.end(), from), std::sregex_iterator()) == 2);
  CHECK_THAT(dockerfile, Catch::Contains("RUN scripts/install-deps"));
  CHECK_THAT(dockerfile, Catch::Contains("install-deps --runtime"));
  CHECK_THAT(dockerfile, Catch::Contains("-DCELL0_BUILD_TESTS=OFF"));
  CHECK_THAT(dockerfile, Catch::Contains("\"--check-config\""));
  CHECK(std::regex_search(dockerfile, std::regex(R"(\nUSER [1-9][0-9]*:[1-9][0-9]*\n)")));
  CHECK_THAT(dockerfile, Catch::Contains(R"(ENTRYPOINT ["/usr/local/bin/cell0-webhook"])"));
}

TEST_CASE("the image's smoke check passes on the installed layout", "[image]") {
  // What the Dockerfile's final RUN does: the installed tree (bin/ + share/cell0-webhook/) alone.
  TempDir prefix;
  const fs::path bin = prefix.path() / "bin";
  const fs::path share = prefix.path() / "share/cell0-webhook";
  fs::create_directories(bin);
  fs::create_directories(share);
  fs::copy_file(CELL0_BINARY, bin / "cell0-webhook");
  fs::copy(fs::path(CELL0_SOURCE_DIR) / "interpreters/customizations", share / "customizations",
           fs::copy_options::recursive);
  fs::copy_file(fs::path(CELL0_SOURCE_DIR) / "deploy/base/host/policy.yaml", share / "policy.yaml");
  const CommandResult check =
      run_command("cd / && " + shell_quote((bin / "cell0-webhook").string()) + " serve --check-config --policy " +
                  shell_quote((share / "policy.yaml").string()));
  INFO(check.output);
  CHECK(check.status == 0);
  CHECK_THAT(check.output, Catch::Contains("configuration OK"));
}
