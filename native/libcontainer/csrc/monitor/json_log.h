#pragma once
// The container's output in Docker's json-file format: one JSON object per line,
// {"log":"…\n","stream":"stdout","time":"2026-01-01T00:00:00.123456789Z"}. Lines are kept
// whole; a line longer than 16 KiB is split as Docker splits it.
#include <string>

namespace berth {

class JsonLog {
 public:
  bool Open(const std::string& path);
  void Write(const char* stream, const char* data, size_t len);
  // Writes out a pending partial line (at exit).
  void Flush();

 private:
  void Emit(const char* stream, const std::string& text);
  int fd_ = -1;
  std::string pending_[2];
};

std::string Rfc3339Nano();
}  // namespace berth
