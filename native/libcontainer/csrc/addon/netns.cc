// Persistent network namespaces, as `ip netns add` makes them: a new namespace bind-mounted
// on a file, so it lives on with no process in it and any process can join it by path.
//
// unshare(CLONE_NEWNET) only moves the calling thread (see notes/toolchain.md §6), and the
// Node main thread must stay where it is, so a short-lived std::thread does the unshare and
// opens its own /proc/thread-self/ns/net. That fd keeps the namespace alive after the thread
// is gone; the calling thread then bind-mounts it in its own mount namespace.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "addon/args.h"
#include "addon/error_message.h"
#include "common/fd.h"
#include "addon/register.h"

namespace berth {
namespace {

// A new network namespace, as an fd; the thread that made it has exited.
Fd NewNetnsFd(Napi::Env env) {
  int fd = -1, err = 0;
  const char* failed = nullptr;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      err = errno, failed = "unshare";
      return;
    }
    fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = errno, failed = "open";
  }).join();
  if (failed) throw SyscallError(env, failed, err, "/proc/thread-self/ns/net");
  return Fd(fd);
}

// createNetns(path): the file must not exist; it is created (mode 0, as ip does) and the new
// namespace is bind-mounted on it. Returns the namespace's inode number.
Napi::Value CreateNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0);
  Fd file(open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
  if (!file) throw SyscallError(env, "open", errno, path);
  file.Reset();
  try {
    Fd ns = NewNetnsFd(env);
    std::string source = "/proc/self/fd/" + std::to_string(ns.get());
    if (mount(source.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
      throw SyscallError(env, "mount", errno, path);
    }
    struct stat st{};
    fstat(ns.get(), &st);  // cannot fail on an fd we hold
    return Napi::Number::New(env, static_cast<double>(st.st_ino));
  } catch (...) {
    unlink(path.c_str());  // leave nothing half-made behind
    throw;
  }
}

// netnsInode(path): the inode of the network namespace mounted at `path`; fails with EINVAL
// if it is another kind of namespace, ENOTTY if it is no namespace at all.
Napi::Value NetnsInode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0);
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw SyscallError(env, "open", errno, path);
  int type = ioctl(fd.get(), NS_GET_NSTYPE);
  if (type < 0) throw SyscallError(env, "ioctl(NS_GET_NSTYPE)", errno, path);
  if (type != CLONE_NEWNET) {
    throw SyscallErrorWithMessage(env, "ioctl(NS_GET_NSTYPE)", EINVAL, path,
                                  path + " is a namespace, but not a network namespace");
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) throw SyscallError(env, "fstat", errno, path);
  return Napi::Number::New(env, static_cast<double>(st.st_ino));
}

// detachAndRemove(path, isDir): lazy unmount (if mounted), then unlink or rmdir. Removes a
// netns file, or the directory prepared for them.
Napi::Value DetachAndRemove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0);
  // EINVAL: not a mount point (any more); the file is still removed.
  if (umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL) {
    throw SyscallError(env, "umount2", errno, path);
  }
  bool dir = BoolArg(info, 1);
  if ((dir ? rmdir(path.c_str()) : unlink(path.c_str())) != 0) {
    throw SyscallError(env, dir ? "rmdir" : "unlink", errno, path);
  }
  return env.Undefined();
}

}  // namespace

void RegisterNetns(Napi::Env env, Napi::Object exports) {
  exports.Set("createNetns", Napi::Function::New(env, CreateNetns));
  exports.Set("netnsInode", Napi::Function::New(env, NetnsInode));
  exports.Set("detachAndRemove", Napi::Function::New(env, DetachAndRemove));
}

}  // namespace berth
