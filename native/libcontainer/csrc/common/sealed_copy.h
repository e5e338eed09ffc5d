#pragma once
#include <fcntl.h>

namespace berth {
// Defence against overwriting the runtime binary through /proc/<pid>/exe from inside a
// container (CVE-2019-5736): the monitor runs from a copy of its executable in a sealed
// memfd. Whatever a container can reach of that process then is an immutable anonymous copy,
// never the file on disk. The memfd is named "berth-monitor" (the Node side tells a
// container still in set-up by its /proc/<pid>/exe).

constexpr int kSealedCopySeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

// A sealed memfd (close-on-exec) holding the executable open as `fd`; -1 with errno on failure.
int SealedCopy(int fd);
}  // namespace berth
