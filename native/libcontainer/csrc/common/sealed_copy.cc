#include "common/sealed_copy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace berth {
int SealedCopy(int fd) {
  struct stat st{};
  if (fstat(fd, &st) != 0) return -1;
  int copy = memfd_create("berth-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (copy < 0) return -1;
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = sendfile(copy, fd, &offset, st.st_size - offset);
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      close(copy);
      errno = err;
      return -1;
    }
  }
  if (fcntl(copy, F_ADD_SEALS, kSealedCopySeals) != 0) {
    int err = errno;
    close(copy);
    errno = err;
    return -1;
  }
  return copy;
}
}  // namespace berth
