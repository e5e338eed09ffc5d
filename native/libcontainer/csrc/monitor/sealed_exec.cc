#include "monitor/sealed_exec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "common/sealed_copy.h"

extern char** environ;

namespace berth {

bool RunningSealed() {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return false;
  int seals = fcntl(self, F_GET_SEALS);
  close(self);
  return seals >= 0 && (seals & kSealedCopySeals) == kSealedCopySeals;
}

void ReexecSealed(char** argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return;
  int copy = SealedCopy(self);
  close(self);
  if (copy < 0) {
    perror("berth-monitor: copying itself into a sealed memfd");
    return;
  }
  fexecve(copy, argv, environ);
  perror("berth-monitor: fexecve");
}
}  // namespace berth
