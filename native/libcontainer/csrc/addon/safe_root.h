#pragma once
// Path resolution inside a root directory fd. The PARENT of a path is opened with openat2
// (RESOLVE_IN_ROOT: `..`, absolute names and symlinks are clamped to the root, as if the root
// were `/`; or RESOLVE_BENEATH: anything that would leave it fails with EXDEV), and callers
// act on the final component with an *at() call that does not follow it. So no `..`, no
// absolute name and no symlink planted in the tree can reach outside the root.
//
// A third mode, kInDir, skips resolution: the fd is a directory already resolved inside the
// root (SafeRoot's cache of parent directories) and the path must be one plain name in it.
#include <fcntl.h>
#include <napi.h>

#include <string>

#include "common/fd.h"

namespace berth {
// The `resolve` argument of every SafeRoot call: false/0 in-root, true/1 beneath, 2 in-dir.
enum class Resolve { kInRoot = 0, kBeneath = 1, kInDir = 2 };

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

// Opens the directory `path` itself (O_PATH, symlinks on the way resolved inside the root).
Fd ResolveDir(Napi::Env env, int rootFd, const std::string& path, bool beneath);

// rootFd < 0: a plain path, acted on directly (dirfd AT_FDCWD); kInDir: `path` is one name
// in the directory fd `rootFd` (EINVAL otherwise); else ResolveParent.
Located Locate(Napi::Env env, int rootFd, const std::string& path, Resolve mode);

// The resolve argument: a boolean (beneath or not) or a Resolve number.
Resolve ResolveArg(const Napi::CallbackInfo& info, size_t i);

// Reads (rootFd, path, resolve) from info[first..first+2] and locates the path.
Located LocateArg(const Napi::CallbackInfo& info, size_t first);
}  // namespace berth
