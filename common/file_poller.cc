#include "common/file_poller.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace cell0::common {
namespace {

namespace fs = std::filesystem;

std::string file_line(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  const auto mtime = fs::last_write_time(p, ec);
  if (ec) return p.string() + " ?\n";
  return fmt::format("{} {} {}\n", p.string(), size, mtime.time_since_epoch().count());
}

std::string content_digest(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return file.string() + " unreadable";
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) return file.string() + " ?";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

}  // namespace

std::string files_fingerprint(const std::vector<fs::path>& paths) {
  std::vector<std::string> lines;
  for (const auto& root : paths) {
    std::error_code ec;
    if (!fs::exists(root, ec)) {
      lines.push_back(root.string() + " missing\n");
    } else if (!fs::is_directory(root, ec)) {
      lines.push_back(file_line(root));
    } else {
      for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().filename().string().starts_with('.')) {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(ec)) lines.push_back(file_line(it->path()));
      }
      if (ec) lines.push_back(root.string() + " unreadable: " + ec.message() + '\n');
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

std::string contents_fingerprint(const std::vector<fs::path>& files) {
  std::string out;
  for (const auto& file : files) {
    if (!out.empty()) out += ' ';
    out += content_digest(file);
  }
  return out;
}

FilePoller::FilePoller(Fingerprint fingerprint, Changed changed, std::chrono::milliseconds interval,
                       Unchanged unchanged)
    : fingerprint_(std::move(fingerprint)),
      changed_(std::move(changed)),
      unchanged_(std::move(unchanged)),
      interval_(interval) {}

FilePoller::~FilePoller() { stop(); }

void FilePoller::mark_loaded(std::string fingerprint) {
  std::lock_guard lock(mutex_);
  loaded_ = std::move(fingerprint);
}

bool FilePoller::poll() {
  const std::string now = fingerprint_();
  bool settled_change = false;
  {
    std::lock_guard lock(mutex_);
    if (now == loaded_) {
      pending_.clear();
    } else if (now != pending_) {
      pending_ = now;  // first sight: wait one poll for it to hold still
      return false;
    } else {
      pending_.clear();
      loaded_ = now;
      settled_change = true;
    }
  }
  if (settled_change) return changed_ ? changed_() : false;
  if (unchanged_) unchanged_();
  return false;
}

void FilePoller::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(wake_mutex_);
    stop_requested_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock lock(wake_mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stop_requested_; })) {
      lock.unlock();
      poll();
      lock.lock();
    }
  });
}

void FilePoller::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace cell0::common
