#pragma once
// Path resolution inside a root directory fd. The PARENT of a path is opened with openat2
// (RESOLVE_IN_ROOT: `..`, absolute names and symlinks are clamped to the root, as if the root
// were `/`; or RESOLVE_BENEATH: anything that would leave it fails with EXDEV), and callers
// act on the final component with an *at() call that does not follow it. So no `..`, no
// absolute name and no symlink planted in the tree can reach outside the root.
#include <fcntl.h>
#include <napi.h>

#include <string>

#include "common/fd.h"

namespace berth {
struct Located {
  Fd owned;     // the parent directory (O_PATH), when resolved inside a root
  int dirfd;         // owned.get(), or AT_FDCWD for a plain path
  std::string name;  // the final component; "" means the directory itself (`.`, `..`, `/`)

  bool self() const { return name.empty(); }
  // *at() flags: AT_EMPTY_PATH to act on the directory itself, else `noFollow` (e.g.
  // AT_SYMLINK_NOFOLLOW) so the final component is never followed.
  int AtFlags(int noFollow) const { return self() ? AT_EMPTY_PATH : noFollow; }
};

// Resolves the parent of `path` inside `rootFd`. Throws SyscallError("openat2", …, path).
Located ResolveParent(Napi::Env env, int rootFd, const std::string& path, bool beneath);

// rootFd < 0: a plain path, acted on directly (dirfd AT_FDCWD); else ResolveParent.
Located Locate(Napi::Env env, int rootFd, const std::string& path, bool beneath);

// Reads (rootFd, path, beneath) from info[first..first+2] and locates the path.
Located LocateArg(const Napi::CallbackInfo& info, size_t first);
}  // namespace berth
