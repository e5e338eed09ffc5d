#include "monitor/in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/setup_error.h"

namespace berth {
namespace {

int Openat2(int dirfd, const std::string& path, uint64_t flags, uint64_t mode = 0) {
  open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how)));
  while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  return fd;
}

}  // namespace

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Fd OpenInRoot(int rootFd, const std::string& path, bool createDirs, bool file) {
  const std::string& rel = path;
  int fd = Openat2(rootFd, rel, O_PATH | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT || !createDirs) {
    if (fd < 0) Fail("resolve in rootfs", "openat2", path);
    return Fd(fd);
  }
  // Walk component by component, creating what is missing with the parent held open.
  Fd dir(dup(rootFd));
  size_t pos = 0;
  while (pos < rel.size()) {
    while (pos < rel.size() && rel[pos] == '/') pos++;
    size_t end = rel.find('/', pos);
    if (end == std::string::npos) end = rel.size();
    if (pos >= end) break;
    std::string name = rel.substr(pos, end - pos);
    bool last = end >= rel.size() || rel.find_first_not_of('/', end) == std::string::npos;
    int next = Openat2(dir.get(), name, O_PATH | O_CLOEXEC);
    if (next < 0 && errno == ENOENT) {
      if (last && file) {
        int created = openat(dir.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (created < 0 && errno != EEXIST) Fail("create mount point", "openat", path);
        if (created >= 0) close(created);
      } else if (mkdirat(dir.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        Fail("create mount point", "mkdirat", path);
      }
      next = Openat2(dir.get(), name, O_PATH | O_CLOEXEC);
    }
    if (next < 0) Fail("resolve in rootfs", "openat2", path);
    // A symlink as an intermediate component was resolved by openat2 inside the root; the
    // fd we hold now is the real directory.
    dir = Fd(next);
    pos = end;
  }
  return dir;
}
}  // namespace berth
