// Overlay mounts through the new mount API (fsopen/fsconfig/fsmount/move_mount), used when
// the mount(2) option string would not fit in a page. Each layer is its own fsconfig call
// (`lowerdir+`, kernel >= 6.8), given as a directory fd where the kernel accepts that
// (>= 6.13, no length limit at all) and as a path otherwise (fsconfig strings are limited
// to 255 bytes, so each path must be shorter than that).
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <vector>

#include "addon/args.h"
#include "addon/error_message.h"
#include "common/fd.h"
#include "addon/register.h"

namespace berth {
namespace {

// The messages the filesystem logged on the fs context ("e overlayfs: failed to …").
std::string ContextLog(int fsfd) {
  std::string log;
  char buf[512];
  for (;;) {
    ssize_t n = read(fsfd, buf, sizeof buf);
    if (n <= 0) break;
    while (n > 0 && buf[n - 1] == '\n') n--;
    if (!log.empty()) log += "; ";
    log.append(buf, static_cast<size_t>(n));
  }
  return log;
}

[[noreturn]] void ThrowWithLog(Napi::Env env, const char* syscall, int err, int fsfd, const std::string& path) {
  std::string log = ContextLog(fsfd);
  if (log.empty()) throw SyscallError(env, syscall, err, path);
  throw SyscallErrorWithMessage(env, syscall, err, path,
                                std::string(syscall) + " failed: " + std::strerror(err) + " (" + path + "): " + log);
}

// Escapes backslashes: overlay unescapes upperdir/workdir strings, not `lowerdir+` ones.
std::string EscapeBackslashes(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void SetLayer(Napi::Env env, int fsfd, const char* key, const std::string& path, bool unescaped) {
  Fd dir(open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) throw SyscallError(env, "open", errno, path);
  if (fsconfig(fsfd, FSCONFIG_SET_FD, key, nullptr, dir.get()) == 0) return;
  if (errno != EINVAL) ThrowWithLog(env, "fsconfig", errno, fsfd, path);
  // Kernels before 6.13 take layers as strings only.
  std::string value = unescaped ? path : EscapeBackslashes(path);
  if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0) {
    ThrowWithLog(env, "fsconfig", errno, fsfd, path);
  }
}

// MS_* flags → MOUNT_ATTR_* for fsmount(2).
unsigned int MountAttrs(unsigned long ms) {
  unsigned int attrs = 0;
  if (ms & MS_RDONLY) attrs |= MOUNT_ATTR_RDONLY;
  if (ms & MS_NOSUID) attrs |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV) attrs |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
  if (ms & MS_NODIRATIME) attrs |= MOUNT_ATTR_NODIRATIME;
  if (ms & MS_NOATIME) attrs |= MOUNT_ATTR_NOATIME;
  else if (ms & MS_STRICTATIME) attrs |= MOUNT_ATTR_STRICTATIME;
  return attrs;  // MOUNT_ATTR_RELATIME is 0, the default
}

// mountOverlayFs(lower[], upper|null, work|null, target, msFlags, options[])
Napi::Value MountOverlayFs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array lowerArr = info[0].As<Napi::Array>();
  auto upper = OptionalStringArg(info, 1);
  auto work = OptionalStringArg(info, 2);
  std::string target = StringArg(info, 3);
  unsigned long msFlags = static_cast<unsigned long>(Int64Arg(info, 4));
  Napi::Array optionArr = info[5].As<Napi::Array>();

  Fd fs(fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) throw SyscallError(env, "fsopen", errno, "overlay");
  for (uint32_t i = 0; i < lowerArr.Length(); i++) {
    std::string lower = lowerArr.Get(i).As<Napi::String>().Utf8Value();
    SetLayer(env, fs.get(), "lowerdir+", lower, true);
  }
  if (upper) SetLayer(env, fs.get(), "upperdir", *upper, false);
  if (work) SetLayer(env, fs.get(), "workdir", *work, false);
  for (uint32_t i = 0; i < optionArr.Length(); i++) {
    std::string opt = optionArr.Get(i).As<Napi::String>().Utf8Value();
    size_t eq = opt.find('=');
    int rc = eq == std::string::npos
                 ? fsconfig(fs.get(), FSCONFIG_SET_FLAG, opt.c_str(), nullptr, 0)
                 : fsconfig(fs.get(), FSCONFIG_SET_STRING, opt.substr(0, eq).c_str(), opt.c_str() + eq + 1, 0);
    if (rc != 0) ThrowWithLog(env, "fsconfig", errno, fs.get(), opt);
  }
  if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    ThrowWithLog(env, "fsconfig", errno, fs.get(), target);
  }
  Fd mnt(fsmount(fs.get(), FSMOUNT_CLOEXEC, MountAttrs(msFlags)));
  if (!mnt) ThrowWithLog(env, "fsmount", errno, fs.get(), target);
  if (move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    throw SyscallError(env, "move_mount", errno, target);
  }
  return env.Undefined();
}

}  // namespace

void RegisterFsOverlay(Napi::Env env, Napi::Object exports) {
  exports.Set("mountOverlayFs", Napi::Function::New(env, MountOverlayFs));
}

}  // namespace berth
