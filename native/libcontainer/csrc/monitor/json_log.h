#pragma once
// The container's output in Docker's json-file format: one JSON object per line,
// {"log":"…\n","stream":"stdout","time":"2026-01-01T00:00:00.123456789Z"}. Lines are kept
// whole; a line longer than 16 KiB is split as Docker splits it.
#include <string>

namespace berth {

// Rotation as Docker's json-file `max-size`/`max-file`: once a line would take the file over
// maxSize bytes, it becomes <path>.1 (older ones move up to <path>.<maxFiles-1>, the oldest
// goes) and a new file starts; with maxFiles 1 the file is emptied instead. 0: no limit.
struct LogRotation {
  size_t maxSize = 0;
  int maxFiles = 1;
};

class JsonLog {
 public:
  bool Open(const std::string& path, LogRotation rotation = {});
  void Write(const char* stream, const char* data, size_t len);
  // Writes out a pending partial line (at exit).
  void Flush();

 private:
  void Emit(const char* stream, const std::string& text);
  void Rotate();
  int fd_ = -1;
  std::string path_;
  LogRotation rotation_;
  size_t size_ = 0;
  std::string pending_[2];
};

std::string Rfc3339Nano();
}  // namespace berth
