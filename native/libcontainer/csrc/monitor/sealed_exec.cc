#include "monitor/sealed_exec.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

extern char** environ;

namespace berth {

void EnsureSealedExecutable(char** argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return;
  int seals = fcntl(self, F_GET_SEALS);
  const int want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (seals >= 0 && (seals & want) == want) {
    close(self);
    return;  // already the sealed copy
  }
  struct stat st{};
  fstat(self, &st);
  int copy = memfd_create("berth-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (copy < 0) {
    perror("berth-monitor: memfd_create");
    exit(1);
  }
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = sendfile(copy, self, &offset, st.st_size - offset);
    if (n <= 0) {
      perror("berth-monitor: copying itself");
      exit(1);
    }
  }
  close(self);
  if (fcntl(copy, F_ADD_SEALS, want) != 0) {
    perror("berth-monitor: sealing its copy");
    exit(1);
  }
  fexecve(copy, argv, environ);
  perror("berth-monitor: fexecve");
  exit(1);
}
}  // namespace berth
