// FilePoller: what counts as a change, the one-poll debounce, no retry of a change not taken in,
// the background thread and stop(); the two fingerprints.
#include "common/file_poller.h"

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/certs/temp_dir.h"

using cell0::common::contents_fingerprint;
using cell0::common::FilePoller;
using cell0::common::files_fingerprint;
using cell0::testing::TempDir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::trunc) << text; }

// A fingerprint the test sets by hand, and counts of what the poller did with it. Thread-safe, for
// the background thread's case.
struct Files {
  mutable std::mutex mutex;
  std::string fingerprint = "a";
  mutable std::atomic<int> reads{0};
  std::atomic<int> changes{0};
  std::atomic<int> unchanged{0};
  bool take_in = true;  // what `changed` answers

  void set(std::string f) {
    std::lock_guard lock(mutex);
    fingerprint = std::move(f);
  }
  std::string read() const {
    ++reads;
    std::lock_guard lock(mutex);
    return fingerprint;
  }
  FilePoller poller(std::chrono::milliseconds interval) {
    return FilePoller([this] { return read(); },
                      [this] {
                        ++changes;
                        return take_in;
                      },
                      interval, [this] { ++unchanged; });
  }
};

// Polls `pred` until it holds or `limit` has passed (a hang guard only, see the callers).
template <typename Pred>
bool eventually(Pred pred, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

}  // namespace

TEST_CASE("a change is taken in once it has held still for one poll", "[file_poller]") {
  Files files;
  FilePoller poller = files.poller(1h);  // never started: only the test's polls
  poller.mark_loaded("a");

  CHECK_FALSE(poller.poll());
  CHECK(files.unchanged == 1);
  files.set("b");
  CHECK_FALSE(poller.poll());  // first sight of "b": it may still be being written
  files.set("c");
  CHECK_FALSE(poller.poll());  // still moving
  CHECK(files.changes == 0);
  CHECK(files.unchanged == 1);  // a settling change is not "unchanged"

  CHECK(poller.poll());  // "c" held still
  CHECK(files.changes == 1);
  CHECK_FALSE(poller.poll());  // "c" is now the loaded one
  CHECK(files.changes == 1);
  CHECK(files.unchanged == 2);

  files.set("a");  // back to an earlier fingerprint: still a change
  CHECK_FALSE(poller.poll());
  CHECK(poller.poll());
  CHECK(files.changes == 2);
}

TEST_CASE("a change not taken in is retried when the files change again, not on every poll", "[file_poller]") {
  Files files;
  files.take_in = false;  // a broken file
  FilePoller poller = files.poller(1h);
  poller.mark_loaded("a");
  files.set("broken");
  CHECK_FALSE(poller.poll());
  CHECK_FALSE(poller.poll());
  CHECK(files.changes == 1);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(poller.poll());
  CHECK(files.changes == 1);

  files.take_in = true;
  files.set("fixed");
  CHECK_FALSE(poller.poll());
  CHECK(poller.poll());
  CHECK(files.changes == 2);
}

TEST_CASE("the changed callback may mark what it loaded", "[file_poller]") {
  // A reloader takes its own fingerprint when it loads; files that changed again meanwhile are
  // then what was loaded. The callback runs outside the poller's lock, so this cannot deadlock.
  Files files;
  FilePoller* self = nullptr;
  FilePoller poller([&] { return files.read(); },
                    [&] {
                      files.set("during load");
                      self->mark_loaded(self->fingerprint());
                      return true;
                    },
                    1h);
  self = &poller;
  poller.mark_loaded("a");
  files.set("b");
  poller.poll();
  CHECK(poller.poll());
  CHECK_FALSE(poller.poll());  // "during load" was marked loaded: no second load
  CHECK_FALSE(poller.poll());
}

TEST_CASE("the background thread polls until stop, and stop wakes it", "[file_poller]") {
  Files files;
  FilePoller poller = files.poller(5ms);
  poller.mark_loaded("a");
  poller.start();
  poller.start();  // a second start does nothing
  files.set("b");
  // Two polls at a 5 ms interval see the change; the limit only keeps a broken poller from
  // hanging the run, however loaded the machine.
  REQUIRE(eventually([&] { return files.changes == 1; }, 60s));
  poller.stop();
  // stop() has joined the thread: no poll can follow it, however long we look.
  const int reads = files.reads;
  files.set("c");
  std::this_thread::sleep_for(50ms);
  CHECK(files.reads == reads);
  CHECK(files.changes == 1);

  poller.start();  // and again after a stop
  REQUIRE(eventually([&] { return files.changes == 2; }, 60s));
  poller.stop();
  poller.stop();  // a second stop returns at once

  // With an hour between polls, only a missed wake-up makes stop() wait: joining a woken thread
  // takes a scheduler slice, so a minute holds on any machine that runs the test at all.
  FilePoller idle = files.poller(1h);
  idle.start();
  const auto before = std::chrono::steady_clock::now();
  idle.stop();
  CHECK(std::chrono::steady_clock::now() - before < 60s);
}

TEST_CASE("files_fingerprint follows names, sizes and mtimes and skips hidden entries", "[file_poller]") {
  TempDir tmp;
  write(tmp.path() / "a.yaml", "a");
  const auto first = files_fingerprint({tmp.path()});
  CHECK(first == files_fingerprint({tmp.path()}));
  fs::create_directories(tmp.path() / "..data");
  write(tmp.path() / "..data" / "x.yaml", "x");
  CHECK(first == files_fingerprint({tmp.path()}));
  write(tmp.path() / "a.yaml", "ab");
  CHECK(first != files_fingerprint({tmp.path()}));
  CHECK(files_fingerprint({tmp.path() / "missing"}).find("missing") != std::string::npos);
}

TEST_CASE("contents_fingerprint follows the bytes, through symlinks", "[file_poller]") {
  TempDir tmp;
  const fs::path file = tmp.path() / "tls.crt";
  write(file, "aaaa");
  const auto mtime = fs::last_write_time(file);
  const auto first = contents_fingerprint({file});
  const auto by_metadata = files_fingerprint({file});
  // Same size and mtime, other bytes: a renewal files_fingerprint would miss.
  write(file, "bbbb");
  fs::last_write_time(file, mtime);
  CHECK(files_fingerprint({file}) == by_metadata);
  CHECK(contents_fingerprint({file}) != first);
  CHECK(contents_fingerprint({file}).find("bbbb") == std::string::npos);  // hashed, not copied

  // A Secret volume's update: the link now points at other bytes.
  const fs::path link = tmp.path() / "current.crt";
  write(tmp.path() / "old.crt", "aaaa");
  write(tmp.path() / "new.crt", "cccc");
  fs::create_symlink(tmp.path() / "old.crt", link);
  const auto linked = contents_fingerprint({link, file});
  fs::remove(link);
  fs::create_symlink(tmp.path() / "new.crt", link);
  CHECK(contents_fingerprint({link, file}) != linked);
  CHECK(contents_fingerprint({tmp.path() / "missing.crt"}).find("unreadable") != std::string::npos);
}
