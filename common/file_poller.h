// The poll-and-debounce loop the reloaders share (customizations, the admission policy, the
// serving certificate): a background thread takes a fingerprint of some files every interval
// and, once a changed fingerprint has held still for one poll (a file written in pieces is only
// complete once it stops changing), calls `changed`. What a fingerprint covers is the caller's
// choice; the two below are the ones in use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cell0::common {

// Names, sizes and mtimes of every regular file under the paths (hidden entries such as a
// ConfigMap volume's ..data are skipped); missing paths are listed as such.
std::string files_fingerprint(const std::vector<std::filesystem::path>& paths);
// SHA-256 of each file's bytes, read through symlinks, or why it could not be read. For a
// Kubernetes Secret volume, which updates by swapping its `..data` symlink, and for renewals that
// keep size and mtime. Hashed so the fingerprint keeps no copy of a private key.
std::string contents_fingerprint(const std::vector<std::filesystem::path>& files);

class FilePoller {
 public:
  using Fingerprint = std::function<std::string()>;
  // A change that held still for one poll. Returns whether it was taken in; either way the new
  // fingerprint counts as loaded, so a broken file is retried when it changes again, not on
  // every poll.
  using Changed = std::function<bool()>;
  // A poll that found the loaded fingerprint (not one still settling).
  using Unchanged = std::function<void()>;

  // The callbacks run on the poller's thread, or on poll()'s caller, never under a lock of the
  // poller's: they may call mark_loaded().
  FilePoller(Fingerprint fingerprint, Changed changed, std::chrono::milliseconds interval, Unchanged unchanged = {});
  ~FilePoller();
  FilePoller(const FilePoller&) = delete;
  FilePoller& operator=(const FilePoller&) = delete;

  std::string fingerprint() const { return fingerprint_(); }
  // The fingerprint of what the caller has loaded on its own (at start, say); a poll that finds
  // it is no change. Until the first call, any fingerprint is a change.
  void mark_loaded(std::string fingerprint);
  // One poll on the caller's thread: the result of `changed` when it was called, else false.
  bool poll();
  // Polls every interval on a background thread until stop(); a second start() does nothing.
  void start();
  // Wakes the thread and joins it; returns at once when none runs. start() may follow.
  void stop();

 private:
  Fingerprint fingerprint_;
  Changed changed_;
  Unchanged unchanged_;
  std::chrono::milliseconds interval_;

  std::mutex mutex_;  // guards the two fingerprints, never held while a callback runs
  std::string loaded_;
  std::string pending_;  // a changed fingerprint waiting to hold still for one poll

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stop_requested_ = false;
  std::thread thread_;
};

}  // namespace cell0::common
