// Device nodes, fifos and overlay whiteouts (mknod), and nanosecond timestamps on the entry
// itself, never a symlink's target (utimensat AT_SYMLINK_NOFOLLOW): Node has neither. Both
// take (rootFd, path, beneath): rootFd -1 for a plain path, or a SafeRoot's fd.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "addon/args.h"
#include "addon/errors.h"
#include "addon/register.h"
#include "addon/safe_root.h"

namespace berth {
namespace {

// mknod(rootFd, path, beneath, mode incl. S_IF* type, major, minor)
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  if (at.self()) throw SyscallError(env, "mknodat", EEXIST, StringArg(info, 1));
  dev_t dev = makedev(Uint32Arg(info, 4), Uint32Arg(info, 5));
  if (mknodat(at.dirfd, at.name.c_str(), Uint32Arg(info, 3), dev) != 0) {
    throw SyscallError(env, "mknodat", errno, StringArg(info, 1));
  }
  return env.Undefined();
}

// utimens(rootFd, path, beneath, atimeSec, atimeNsec, mtimeSec, mtimeNsec); a nsec of
// UTIME_NOW or UTIME_OMIT means "now" or "leave as it is".
Napi::Value Utimens(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  timespec ts[2] = {{Int64Arg(info, 3), Int64Arg(info, 4)}, {Int64Arg(info, 5), Int64Arg(info, 6)}};
  if (utimensat(at.dirfd, at.name.c_str(), ts, at.AtFlags(AT_SYMLINK_NOFOLLOW)) != 0) {
    throw SyscallError(env, "utimensat", errno, StringArg(info, 1));
  }
  return env.Undefined();
}

}  // namespace

void RegisterFsNodes(Napi::Env env, Napi::Object exports) {
  exports.Set("mknod", Napi::Function::New(env, Mknod));
  exports.Set("utimens", Napi::Function::New(env, Utimens));
}

}  // namespace berth
