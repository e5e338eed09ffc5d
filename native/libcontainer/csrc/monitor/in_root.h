#pragma once
// Resolving paths inside the container's rootfs with openat2(RESOLVE_IN_ROOT): a symlink in
// the image (`/etc -> /`, `x -> ../../..`) resolves as if the rootfs were `/`, so a mount
// destination can never land outside it.
#include <string>

#include "common/fd.h"

namespace berth {
// Opens `path` inside the root (O_PATH), creating missing directories (and, if `file`, the
// last component as an empty file) on the way.
Fd OpenInRoot(int rootFd, const std::string& path, bool createDirs, bool file);
// "/proc/self/fd/N": how mount(2) is given a target resolved by openat2.
std::string FdPath(int fd);
}  // namespace berth
