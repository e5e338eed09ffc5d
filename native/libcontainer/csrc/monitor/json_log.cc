#include "monitor/json_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace berth {
namespace {
constexpr size_t kMaxLine = 16 * 1024;
int Index(const char* stream) { return std::strcmp(stream, "stderr") == 0 ? 1 : 0; }
}  // namespace

std::string Rfc3339Nano() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[64];
  size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &t);
  snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", ts.tv_nsec);
  return buf;
}

bool JsonLog::Open(const std::string& path, LogRotation rotation) {
  path_ = path;
  rotation_ = rotation;
  fd_ = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  struct stat st{};
  if (fd_ >= 0 && fstat(fd_, &st) == 0) size_ = static_cast<size_t>(st.st_size);
  return fd_ >= 0;
}

void JsonLog::Rotate() {
  close(fd_);
  if (rotation_.maxFiles > 1) {
    for (int i = rotation_.maxFiles - 1; i >= 1; i--) {
      std::string from = i == 1 ? path_ : path_ + "." + std::to_string(i - 1);
      rename(from.c_str(), (path_ + "." + std::to_string(i)).c_str());
    }
    fd_ = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  } else {
    fd_ = open(path_.c_str(), O_WRONLY | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
  }
  size_ = 0;
}

void JsonLog::Emit(const char* stream, const std::string& text) {
  if (fd_ < 0) return;
  nlohmann::json j;
  j["log"] = text;
  j["stream"] = stream;
  j["time"] = Rfc3339Nano();
  // Invalid UTF-8 from a program must not stop logging: replace it, as Docker does.
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (rotation_.maxSize > 0 && size_ > 0 && size_ + line.size() > rotation_.maxSize) {
    Rotate();
    if (fd_ < 0) return;
  }
  size_ += line.size();
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= n;
  }
}

void JsonLog::Write(const char* stream, const char* data, size_t len) {
  std::string& pending = pending_[Index(stream)];
  pending.append(data, len);
  size_t start = 0;
  for (;;) {
    size_t nl = pending.find('\n', start);
    if (nl == std::string::npos) break;
    Emit(stream, pending.substr(start, nl - start + 1));
    start = nl + 1;
  }
  pending.erase(0, start);
  while (pending.size() >= kMaxLine) {
    Emit(stream, pending.substr(0, kMaxLine));
    pending.erase(0, kMaxLine);
  }
}

void JsonLog::Flush() {
  if (!pending_[0].empty()) Emit("stdout", pending_[0]);
  if (!pending_[1].empty()) Emit("stderr", pending_[1]);
  pending_[0].clear();
  pending_[1].clear();
}
}  // namespace berth
