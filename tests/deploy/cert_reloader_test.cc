// CertReloader on its own: what counts as a change, broken pairs, metrics, the expiry warning.
#include "webhook/cert_reloader.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/certs/temp_dir.h"
#include "tests/deploy/cert_files.h"

using namespace cell0::webhook;
using namespace cell0::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct FakeServer {
  int reloads = 0;
  bool fail = false;
  cell0::common::Result<cell0::common::Done> reload() {
    ++reloads;
    if (fail) return cell0::common::Error{cell0::common::ErrorKind::Tls, "key does not match"};
    return cell0::common::Done{};
  }
};

}  // namespace

TEST_CASE("the expiry warning starts 30 days before notAfter", "[cert-reloader]") {
  const auto now = std::chrono::system_clock::now();
  const auto month = std::chrono::hours(24 * 30);
  CHECK_FALSE(expiry_warning(now + month + 1h, now, month).has_value());
  CHECK(expiry_warning(now + month - 1h, now, month) == "serving certificate expires in 29 days; renew it");
  CHECK(expiry_warning(now + 30h, now, month) == "serving certificate expires in 30 hours; renew it");
  CHECK(expiry_warning(now - 1s, now, month) == "serving certificate has expired; renew it now");
}

TEST_CASE("a Secret volume ..data swap is a change, a touch is not", "[cert-reloader]") {
  TempDir tmp;
  SecretVolume volume(tmp.path() / "tls");
  volume.publish(volume.issue());
  cell0::common::MetricsRegistry registry;
  FakeServer server;
  CertReloader reloader(
      volume.cert(), volume.key(), [&] { return server.reload(); }, registry);
  reloader.loaded_at_start();
  CHECK_THAT(registry.render(), Catch::Contains("cell0_webhook_certificate_expiration_timestamp_seconds "));

  CHECK_FALSE(reloader.poll());
  fs::last_write_time(volume.cert(), fs::file_time_type::clock::now() + 10s);  // same bytes
  CHECK_FALSE(reloader.poll());
  CHECK_FALSE(reloader.poll());
  CHECK(server.reloads == 0);

  volume.publish(volume.issue());
  CHECK_FALSE(reloader.poll());  // first sight: wait for it to hold still
  CHECK(reloader.poll());
  CHECK(server.reloads == 1);
  CHECK_FALSE(reloader.poll());
  CHECK_THAT(registry.render(), Catch::Contains(R"(cell0_webhook_certificate_reloads_total{result="ok"} 1)"));
}

TEST_CASE("same size, same mtime, new bytes is still a change", "[cert-reloader]") {
  TempDir tmp;
  const fs::path cert = tmp.path() / "tls.crt";
  const fs::path key = tmp.path() / "tls.key";
  std::ofstream(cert) << "AAAA";
  std::ofstream(key) << "BBBB";
  cell0::common::MetricsRegistry registry;
  FakeServer server;
  CertReloader reloader(
      cert, key, [&] { return server.reload(); }, registry);
  const auto mtime = fs::last_write_time(cert);
  std::ofstream(cert) << "AAAB";
  fs::last_write_time(cert, mtime);
  reloader.poll();
  CHECK(reloader.poll());
  CHECK(server.reloads == 1);
}

TEST_CASE("a broken pair is reported once and retried when the files change again", "[cert-reloader]") {
  TempDir tmp;
  SecretVolume volume(tmp.path() / "tls");
  volume.publish(volume.issue());
  cell0::common::MetricsRegistry registry;
  FakeServer server;
  CertReloader reloader(
      volume.cert(), volume.key(), [&] { return server.reload(); }, registry);
  reloader.loaded_at_start();

  server.fail = true;
  volume.publish(volume.issue());
  reloader.poll();
  CHECK_FALSE(reloader.poll());
  CHECK(reloader.failures() == 1);
  for (int i = 0; i < 3; ++i) reloader.poll();
  CHECK(server.reloads == 1);  // not retried every poll
  CHECK_THAT(registry.render(), Catch::Contains(R"(cell0_webhook_certificate_reloads_total{result="error"} 1)"));

  server.fail = false;
  volume.publish(volume.issue());
  reloader.poll();
  CHECK(reloader.poll());
  CHECK(reloader.reloads() == 1);
}

TEST_CASE("the background thread picks up a rotation", "[cert-reloader]") {
  TempDir tmp;
  SecretVolume volume(tmp.path() / "tls");
  volume.publish(volume.issue());
  cell0::common::MetricsRegistry registry;
  std::atomic<int> reloads{0};
  CertReloader reloader(
      volume.cert(), volume.key(),
      [&] {
        ++reloads;
        return cell0::common::Result<cell0::common::Done>(cell0::common::Done{});
      },
      registry, CertReloaderOptions{.interval = 20ms});
  reloader.start();
  volume.publish(volume.issue());
  for (int i = 0; i < 250 && reloads == 0; ++i) std::this_thread::sleep_for(20ms);
  reloader.stop();
  CHECK(reloads == 1);
}
