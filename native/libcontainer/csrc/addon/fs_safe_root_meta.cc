// Ownership, mode, lstat and readlink of an entry inside a root, never following its final
// component (see safe_root.h). Every function takes (rootFd, path, beneath) first.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <vector>

#include "addon/args.h"
#include "addon/errors.h"
#include "addon/register.h"
#include "addon/safe_root.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

namespace berth {
namespace {

// chownAt(rootFd, path, beneath, uid, gid); -1 leaves an id as it is.
Napi::Value ChownAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  uid_t uid = static_cast<uid_t>(IntArg(info, 3));
  gid_t gid = static_cast<gid_t>(IntArg(info, 4));
  if (fchownat(at.dirfd, at.name.c_str(), uid, gid, at.AtFlags(AT_SYMLINK_NOFOLLOW)) != 0) {
    throw SyscallError(env, "fchownat", errno, StringArg(info, 1));
  }
  return env.Undefined();
}

// chmodAt(rootFd, path, beneath, mode). A symlink's mode can't be changed on Linux:
// EOPNOTSUPP. fchmodat2 (6.6) takes the flags; older kernels go through glibc's emulation.
Napi::Value ChmodAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  mode_t mode = Uint32Arg(info, 3);
  long rc = syscall(SYS_fchmodat2, at.dirfd, at.name.c_str(), mode, at.AtFlags(AT_SYMLINK_NOFOLLOW));
  if (rc != 0 && errno == ENOSYS) {
    rc = at.self() ? chmod(("/proc/self/fd/" + std::to_string(at.dirfd)).c_str(), mode)
                   : fchmodat(at.dirfd, at.name.c_str(), mode, AT_SYMLINK_NOFOLLOW);
  }
  if (rc != 0) throw SyscallError(env, "fchmodat2", errno, StringArg(info, 1));
  return env.Undefined();
}

Napi::BigInt Nanoseconds(Napi::Env env, const timespec& ts) {
  return Napi::BigInt::New(env, static_cast<int64_t>(static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec));
}

// lstatAt(rootFd, path, beneath): the entry itself, with nanosecond times as bigints.
Napi::Value LstatAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  struct stat st;
  if (fstatat(at.dirfd, at.name.c_str(), &st, at.AtFlags(AT_SYMLINK_NOFOLLOW)) != 0) {
    throw SyscallError(env, "fstatat", errno, StringArg(info, 1));
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("dev", Napi::Number::New(env, static_cast<double>(st.st_dev)));
  o.Set("ino", Napi::Number::New(env, static_cast<double>(st.st_ino)));
  o.Set("mode", Napi::Number::New(env, st.st_mode));
  o.Set("nlink", Napi::Number::New(env, static_cast<double>(st.st_nlink)));
  o.Set("uid", Napi::Number::New(env, st.st_uid));
  o.Set("gid", Napi::Number::New(env, st.st_gid));
  o.Set("rdevMajor", Napi::Number::New(env, major(st.st_rdev)));
  o.Set("rdevMinor", Napi::Number::New(env, minor(st.st_rdev)));
  o.Set("size", Napi::Number::New(env, static_cast<double>(st.st_size)));
  o.Set("atimeNs", Nanoseconds(env, st.st_atim));
  o.Set("mtimeNs", Nanoseconds(env, st.st_mtim));
  o.Set("ctimeNs", Nanoseconds(env, st.st_ctim));
  return o;
}

// readlinkAt(rootFd, path, beneath): the symlink's target as stored.
Napi::Value ReadlinkAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  if (at.self()) throw SyscallError(env, "readlinkat", EINVAL, StringArg(info, 1));
  std::vector<char> buf(256);
  for (;;) {
    ssize_t n = readlinkat(at.dirfd, at.name.c_str(), buf.data(), buf.size());
    if (n < 0) throw SyscallError(env, "readlinkat", errno, StringArg(info, 1));
    if (static_cast<size_t>(n) < buf.size()) return Napi::String::New(env, buf.data(), static_cast<size_t>(n));
    buf.resize(buf.size() * 2);  // maybe cut short: try again with room to spare
  }
}

}  // namespace

void RegisterFsSafeRootMeta(Napi::Env env, Napi::Object exports) {
  exports.Set("chownAt", Napi::Function::New(env, ChownAt));
  exports.Set("chmodAt", Napi::Function::New(env, ChmodAt));
  exports.Set("lstatAt", Napi::Function::New(env, LstatAt));
  exports.Set("readlinkAt", Napi::Function::New(env, ReadlinkAt));
}

}  // namespace berth
