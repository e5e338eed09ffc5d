// See safe_root.h.
#include "addon/safe_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "addon/args.h"
#include "addon/errors.h"

namespace berth {
namespace {

// openat2 of a directory inside the root: O_PATH, no magic links, clamped or confined.
Fd OpenDirInRoot(Napi::Env env, int rootFd, const std::string& dir, bool beneath, const std::string& shown) {
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_MAGICLINKS | (beneath ? RESOLVE_BENEATH : RESOLVE_IN_ROOT);
  for (int attempt = 0;; attempt++) {
    long fd = syscall(SYS_openat2, rootFd, dir.c_str(), &how, sizeof how);
    if (fd >= 0) return Fd(static_cast<int>(fd));
    // EAGAIN: a rename or mount raced with `..` resolution; the kernel asks for a retry.
    if (errno == EAGAIN && attempt < 64) continue;
    throw SyscallError(env, "openat2", errno, shown);
  }
}

}  // namespace

Located ResolveParent(Napi::Env env, int rootFd, const std::string& path, bool beneath) {
  // Trailing slashes go: "dir/" names dir (and "link/" must not follow link).
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash);
  std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
  // `.`, `..` and the root itself are not names in a directory: resolve the whole path as a
  // directory and act on it through its fd (AT_EMPTY_PATH), or refuse to create/remove it.
  if (name.empty() || name == "." || name == "..") {
    parent = p.empty() ? "." : p;
    name.clear();
  }
  Fd dir = OpenDirInRoot(env, rootFd, parent, beneath, path);
  int fd = dir.get();
  return Located{std::move(dir), fd, name};
}

Fd ResolveDir(Napi::Env env, int rootFd, const std::string& path, bool beneath) {
  return OpenDirInRoot(env, rootFd, path.empty() ? "." : path, beneath, path);
}

Located Locate(Napi::Env env, int rootFd, const std::string& path, Resolve mode) {
  if (rootFd < 0) {
    // An empty name must not turn into AT_EMPTY_PATH on the cwd.
    if (path.empty()) throw SyscallError(env, "open", ENOENT, path);
    return Located{Fd(), AT_FDCWD, path};
  }
  if (mode == Resolve::kInDir) {
    // Exactly one name: anything that could walk (`/`, `..`) or mean the dir itself is refused.
    if (path.empty() || path == "." || path == ".." || path.find('/') != std::string::npos) {
      throw SyscallError(env, "openat", EINVAL, path);
    }
    return Located{Fd(), rootFd, path};
  }
  return ResolveParent(env, rootFd, path, mode == Resolve::kBeneath);
}

Resolve ResolveArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() > i && info[i].IsNumber()) {
    int n = info[i].As<Napi::Number>().Int32Value();
    if (n == 1) return Resolve::kBeneath;
    if (n == 2) return Resolve::kInDir;
    return Resolve::kInRoot;
  }
  return BoolArg(info, i) ? Resolve::kBeneath : Resolve::kInRoot;
}

Located LocateArg(const Napi::CallbackInfo& info, size_t first) {
  return Locate(info.Env(), IntArg(info, first), StringArg(info, first + 1), ResolveArg(info, first + 2));
}

}  // namespace berth
