// Linux 6.13 added setxattrat/getxattrat/listxattrat/removexattrat, which take a dirfd and
// AT_SYMLINK_NOFOLLOW. On older kernels the entry is pinned with an O_PATH|O_NOFOLLOW fd and
// reached through /proc/self/fd/N: the following variants jump to exactly that inode (even a
// symlink) and go no further, so no path is resolved twice.
#include "addon/xattr_at.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "common/fd.h"

// Syscall numbers are shared by all architectures for syscalls added after 424.
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif

namespace berth {
namespace {

struct XattrArgs {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};

std::atomic<bool> haveXattrAt{true};

std::string ProcFd(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Runs the call the right way for (dirfd, name): `byPath(path)` (no follow) for plain paths,
// `at(dirfd, name)` (*xattrat) when the kernel has it, else `follow(procPath)` on a pinned fd.
template <typename ByPath, typename At, typename Follow>
long Dispatch(int dirfd, const std::string& name, ByPath byPath, At at, Follow follow) {
  if (dirfd == AT_FDCWD) return byPath(name.c_str());
  if (name.empty()) return follow(ProcFd(dirfd).c_str());
  if (haveXattrAt.load(std::memory_order_relaxed)) {
    long r = at(dirfd, name.c_str());
    if (r >= 0 || errno != ENOSYS) return r;
    haveXattrAt.store(false, std::memory_order_relaxed);
  }
  Fd pin(openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!pin) return -1;
  return follow(ProcFd(pin.get()).c_str());
}

// Calls `get(buf, size)` (a getxattr- or listxattr-shaped function) until the buffer fits.
template <typename Get>
std::optional<std::vector<char>> ReadSized(Get get) {
  for (int attempt = 0; attempt < 8; attempt++) {
    long size = get(nullptr, 0);
    if (size < 0) return std::nullopt;
    std::vector<char> buf(static_cast<size_t>(size));
    long n = size == 0 ? 0 : get(buf.data(), buf.size());
    if (n >= 0) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    if (errno != ERANGE) return std::nullopt;  // ERANGE: it grew in between; ask again
  }
  errno = ERANGE;
  return std::nullopt;
}

}  // namespace

int SetXattrAt(int dirfd, const std::string& name, const std::string& attr, const void* value, size_t size,
               int flags) {
  return static_cast<int>(Dispatch(
      dirfd, name, [&](const char* p) { return static_cast<long>(lsetxattr(p, attr.c_str(), value, size, flags)); },
      [&](int d, const char* n) {
        XattrArgs args{reinterpret_cast<uintptr_t>(value), static_cast<uint32_t>(size), static_cast<uint32_t>(flags)};
        return syscall(SYS_setxattrat, d, n, AT_SYMLINK_NOFOLLOW, attr.c_str(), &args, sizeof args);
      },
      [&](const char* p) { return static_cast<long>(setxattr(p, attr.c_str(), value, size, flags)); }));
}

std::optional<std::vector<char>> GetXattrAt(int dirfd, const std::string& name, const std::string& attr) {
  return ReadSized([&](char* buf, size_t size) {
    return Dispatch(
        dirfd, name, [&](const char* p) { return static_cast<long>(lgetxattr(p, attr.c_str(), buf, size)); },
        [&](int d, const char* n) {
          XattrArgs args{reinterpret_cast<uintptr_t>(buf), static_cast<uint32_t>(size), 0};
          return syscall(SYS_getxattrat, d, n, AT_SYMLINK_NOFOLLOW, attr.c_str(), &args, sizeof args);
        },
        [&](const char* p) { return static_cast<long>(getxattr(p, attr.c_str(), buf, size)); });
  });
}

std::optional<std::vector<std::string>> ListXattrAt(int dirfd, const std::string& name) {
  auto raw = ReadSized([&](char* buf, size_t size) {
    return Dispatch(
        dirfd, name, [&](const char* p) { return static_cast<long>(llistxattr(p, buf, size)); },
        [&](int d, const char* n) { return syscall(SYS_listxattrat, d, n, AT_SYMLINK_NOFOLLOW, buf, size); },
        [&](const char* p) { return static_cast<long>(listxattr(p, buf, size)); });
  });
  if (!raw) return std::nullopt;
  // The list is NUL-separated names.
  std::vector<std::string> names;
  size_t start = 0;
  for (size_t i = 0; i < raw->size(); i++) {
    if ((*raw)[i] != '\0') continue;
    if (i > start) names.emplace_back(raw->data() + start, i - start);
    start = i + 1;
  }
  return names;
}

int RemoveXattrAt(int dirfd, const std::string& name, const std::string& attr) {
  return static_cast<int>(Dispatch(
      dirfd, name, [&](const char* p) { return static_cast<long>(lremovexattr(p, attr.c_str())); },
      [&](int d, const char* n) { return syscall(SYS_removexattrat, d, n, AT_SYMLINK_NOFOLLOW, attr.c_str()); },
      [&](const char* p) { return static_cast<long>(removexattr(p, attr.c_str())); }));
}

}  // namespace berth
