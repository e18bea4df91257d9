#include "webhook/reloader.h"

#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/certs/temp_dir.h"

using namespace cell0::webhook;
using cell0::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// "Loads" by reading every file; a file containing "broken" fails the load.
struct FakeLoader {
  std::atomic<int> calls{0};
  std::atomic<int> installed{0};
  cell0::common::Result<LoadedSet> operator()(const std::vector<fs::path>& paths) {
    ++calls;
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(paths.front())) {
      std::ifstream in(e.path());
      std::string text((std::istreambuf_iterator<char>(in)), {});
      if (text.find("broken") != std::string::npos)
        return cell0::common::Error{cell0::common::ErrorKind::Config, e.path().filename().string() + ": broken"};
      ++n;
    }
    ++installed;
    return LoadedSet{n, n};
  }
};

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 300; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("the reloader installs good sets and keeps the last good one", "[reloader]") {
  TempDir tmp;
  write(tmp.path() / "a.yaml", "one");
  cell0::common::MetricsRegistry registry;
  WebhookMetrics metrics(registry);
  FakeLoader loader;
  Reloader reloader({tmp.path()}, std::ref(loader), metrics.customization_reloads(), std::chrono::milliseconds(20));

  CHECK(reloader.load_now());
  CHECK(reloader.readiness().ready);
  CHECK(reloader.status().customizations == 1);
  CHECK(metrics.customizations_ready.value() == 1);
  reloader.start();

  write(tmp.path() / "b.yaml", "broken");
  REQUIRE(eventually([&] { return !reloader.status().last_error.empty(); }));
  const Readiness r = reloader.readiness();
  CHECK(r.ready);  // the last good set still serves
  CHECK(r.detail["lastReloadError"] == "b.yaml: broken");
  CHECK(metrics.reload_failures.value() == 1);
  CHECK(loader.installed == 1);

  write(tmp.path() / "b.yaml", "fixed");
  REQUIRE(eventually([&] { return reloader.status().last_error.empty(); }));
  CHECK(reloader.status().customizations == 2);
  CHECK(loader.installed == 2);
  CHECK(metrics.reloads.value() == 3);

  // Nothing changes: no more loads.
  const int calls = loader.calls;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(loader.calls == calls);
  reloader.stop();
}

TEST_CASE("without a good load the reloader is not ready", "[reloader]") {
  TempDir tmp;
  write(tmp.path() / "a.yaml", "broken");
  cell0::common::MetricsRegistry registry;
  WebhookMetrics metrics(registry);
  FakeLoader loader;
  Reloader reloader({tmp.path()}, std::ref(loader), metrics.customization_reloads());
  CHECK_FALSE(reloader.load_now());
  const Readiness r = reloader.readiness();
  CHECK_FALSE(r.ready);
  CHECK(r.detail["lastReloadError"] == "a.yaml: broken");
  CHECK(metrics.customizations_ready.value() == 0);
}
