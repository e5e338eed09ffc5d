// Creating, opening, linking, renaming and removing entries inside a root directory without
// ever leaving it: the parent is resolved with openat2 (safe_root.h), the final component is
// acted on with an *at() call that never follows it. Every function takes
// (rootFd, path, beneath) first.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addon/args.h"
#include "addon/error_message.h"
#include "addon/register.h"
#include "addon/safe_root.h"

namespace berth {
namespace {

// openRoot(path): an O_PATH directory fd, the anchor of a SafeRoot.
Napi::Value OpenRoot(const Napi::CallbackInfo& info) {
  std::string path = StringArg(info, 0);
  int fd = open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw SyscallError(info.Env(), "open", errno, path);
  return Napi::Number::New(info.Env(), fd);
}

// openAt(rootFd, path, beneath, flags, mode): an fd Node can use (fs.writeSync, streams).
// Only regular files are opened: a symlink in the last place fails with ELOOP (it is never
// followed), a directory with EISDIR, and fifos and devices with EINVAL without being opened
// (opening one could block or reach a device driver).
Napi::Value OpenAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 1);
  Located at = LocateArg(info, 0);
  int flags = IntArg(info, 3);
  mode_t mode = Uint32Arg(info, 4);
  if (at.self()) throw SyscallError(env, "openat", EISDIR, path);
  int access = flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW | O_DIRECTORY | O_PATH);
  if (flags & O_CREAT) {
    // The common case, a new file: created and opened in one step.
    int fd = openat(at.dirfd, at.name.c_str(), access | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0) return Napi::Number::New(env, fd);
    if (errno != EEXIST || (flags & O_EXCL)) throw SyscallError(env, "openat", errno, path);
  }
  // Something is there: pin it without opening it, check it is a regular file, then reopen
  // that same inode through /proc (no second lookup, so nothing can be swapped in between).
  Fd pin(openat(at.dirfd, at.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!pin) throw SyscallError(env, "openat", errno, path);
  struct stat st;
  if (fstat(pin.get(), &st) != 0) throw SyscallError(env, "fstat", errno, path);
  if (S_ISLNK(st.st_mode)) throw SyscallError(env, "openat", ELOOP, path);
  if (S_ISDIR(st.st_mode)) throw SyscallError(env, "openat", EISDIR, path);
  if (!S_ISREG(st.st_mode)) {
    throw SyscallErrorWithMessage(env, "openat", EINVAL, path, "openat failed: not a regular file (" + path + ")");
  }
  std::string proc = "/proc/self/fd/" + std::to_string(pin.get());
  int fd = open(proc.c_str(), access | O_CLOEXEC);
  if (fd < 0) throw SyscallError(env, "open", errno, path);
  return Napi::Number::New(env, fd);
}

// mkdirAt(rootFd, path, beneath, mode)
Napi::Value MkdirAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  if (at.self() || mkdirat(at.dirfd, at.name.c_str(), Uint32Arg(info, 3)) != 0) {
    throw SyscallError(env, "mkdirat", at.self() ? EEXIST : errno, StringArg(info, 1));
  }
  return env.Undefined();
}

// symlinkAt(rootFd, path, beneath, target): the target is stored as given; it is data, and
// every SafeRoot call resolves it inside the root if it is ever followed.
Napi::Value SymlinkAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  std::string target = StringArg(info, 3);
  if (at.self() || symlinkat(target.c_str(), at.dirfd, at.name.c_str()) != 0) {
    throw SyscallError(env, "symlinkat", at.self() ? EEXIST : errno, StringArg(info, 1));
  }
  return env.Undefined();
}

// linkAt(rootFd, existingPath, beneath, newPath): both ends resolved inside the root; an
// existing symlink is linked itself, not its target.
Napi::Value LinkAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located from = LocateArg(info, 0);
  std::string to = StringArg(info, 3);
  Located at = Locate(env, IntArg(info, 0), to, ResolveArg(info, 2));
  if (from.self()) throw SyscallError(env, "linkat", EPERM, StringArg(info, 1));
  if (at.self()) throw SyscallError(env, "linkat", EEXIST, to);
  if (linkat(from.dirfd, from.name.c_str(), at.dirfd, at.name.c_str(), 0) != 0) {
    throw SyscallError(env, "linkat", errno, to);
  }
  return env.Undefined();
}

// unlinkAt(rootFd, path, beneath, isDir): unlink, or rmdir when isDir.
Napi::Value UnlinkAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  // `.`, `..` and the root are not removable names (rmdir(".") is EINVAL too).
  if (at.self() || unlinkat(at.dirfd, at.name.c_str(), BoolArg(info, 3) ? AT_REMOVEDIR : 0) != 0) {
    throw SyscallError(env, "unlinkat", at.self() ? EINVAL : errno, StringArg(info, 1));
  }
  return env.Undefined();
}

// renameAt(rootFd, oldPath, beneath, newPath, flags: RENAME_NOREPLACE|EXCHANGE|WHITEOUT)
Napi::Value RenameAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located from = LocateArg(info, 0);
  std::string to = StringArg(info, 3);
  Located at = Locate(env, IntArg(info, 0), to, ResolveArg(info, 2));
  if (from.self() || at.self()) throw SyscallError(env, "renameat2", EINVAL, from.self() ? StringArg(info, 1) : to);
  if (renameat2(from.dirfd, from.name.c_str(), at.dirfd, at.name.c_str(), Uint32Arg(info, 4)) != 0) {
    throw SyscallError(env, "renameat2", errno, StringArg(info, 1));
  }
  return env.Undefined();
}

}  // namespace

void RegisterFsSafeRoot(Napi::Env env, Napi::Object exports) {
  exports.Set("openRoot", Napi::Function::New(env, OpenRoot));
  exports.Set("openAt", Napi::Function::New(env, OpenAt));
  exports.Set("mkdirAt", Napi::Function::New(env, MkdirAt));
  exports.Set("symlinkAt", Napi::Function::New(env, SymlinkAt));
  exports.Set("linkAt", Napi::Function::New(env, LinkAt));
  exports.Set("unlinkAt", Napi::Function::New(env, UnlinkAt));
  exports.Set("renameAt", Napi::Function::New(env, RenameAt));
}

}  // namespace berth
