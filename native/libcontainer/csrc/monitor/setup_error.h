#pragma once
#include <cerrno>
#include <string>

namespace berth {
// A failure while setting up a container: which step, which syscall, on what path, errno.
// Thrown inside the container's init and sent to the monitor, which reports it to Node.
struct SetupError {
  std::string step;
  std::string syscall;
  std::string path;
  int err = 0;
  std::string detail;

  std::string Json() const;
};

[[noreturn]] inline void Fail(const std::string& step, const char* syscall, const std::string& path = "", int err = errno) {
  throw SetupError{step, syscall, path, err, ""};
}

[[noreturn]] inline void FailDetail(const std::string& step, const std::string& detail) {
  throw SetupError{step, "", "", 0, detail};
}
}  // namespace berth
