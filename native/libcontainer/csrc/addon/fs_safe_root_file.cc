// A new regular file with its contents, owner, mode and times in one call: for unpacking
// layers, where most files are small and one trip per file beats six (open, write, chown,
// chmod, utimens, close each crossing from JS).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "addon/args.h"
#include "addon/errors.h"
#include "addon/register.h"
#include "addon/safe_root.h"

namespace berth {
namespace {

// Writes every byte of `iov`; writev may write less than asked (then the rest is retried).
bool WriteAll(int fd, std::vector<iovec>& iov) {
  size_t i = 0;
  while (i < iov.size()) {
    ssize_t n = writev(fd, iov.data() + i, static_cast<int>(std::min<size_t>(iov.size() - i, IOV_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    for (size_t left = static_cast<size_t>(n); left > 0;) {
      if (left >= iov[i].iov_len) {
        left -= iov[i++].iov_len;
      } else {
        iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + left;
        iov[i].iov_len -= left;
        left = 0;
      }
    }
  }
  return true;
}

// createFileAt(rootFd, path, resolve, data: Buffer | Buffer[], mode, uid, gid,
//              atimeSec, atimeNsec, mtimeSec, mtimeNsec)
// Creates `path` (O_EXCL: EEXIST if anything, even a dangling symlink, is there; the last
// component is never followed), writes `data`, then fchown (uid/gid -1: unchanged), fchmod
// (after chown, which clears setuid/setgid) and futimens (nsec UTIME_OMIT: unchanged). On a
// failure after the create the partial file stays; the error names the step.
Napi::Value CreateFileAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 1);
  Located at = LocateArg(info, 0);
  if (at.self()) throw SyscallError(env, "openat", EEXIST, path);

  std::vector<iovec> iov;
  auto add = [&iov](Napi::Value v) {
    auto b = v.As<Napi::Buffer<char>>();
    if (b.Length() > 0) iov.push_back({b.Data(), b.Length()});
  };
  if (info[3].IsArray()) {
    auto parts = info[3].As<Napi::Array>();
    for (uint32_t i = 0; i < parts.Length(); i++) add(parts.Get(i));
  } else {
    add(info[3]);
  }
  mode_t mode = Uint32Arg(info, 4);
  uid_t uid = static_cast<uid_t>(IntArg(info, 5));
  gid_t gid = static_cast<gid_t>(IntArg(info, 6));
  timespec times[2] = {{Int64Arg(info, 7), Int64Arg(info, 8)}, {Int64Arg(info, 9), Int64Arg(info, 10)}};

  Fd fd(openat(at.dirfd, at.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw SyscallError(env, "openat", errno, path);
  if (!WriteAll(fd.get(), iov)) throw SyscallError(env, "write", errno, path);
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) && fchown(fd.get(), uid, gid) != 0) {
    throw SyscallError(env, "fchown", errno, path);
  }
  if (fchmod(fd.get(), mode) != 0) throw SyscallError(env, "fchmod", errno, path);
  if (futimens(fd.get(), times) != 0) throw SyscallError(env, "futimens", errno, path);
  if (close(fd.release()) != 0) throw SyscallError(env, "close", errno, path);
  return env.Undefined();
}

}  // namespace

void RegisterFsSafeRootFile(Napi::Env env, Napi::Object exports) {
  exports.Set("createFileAt", Napi::Function::New(env, CreateFileAt));
}

}  // namespace berth
