// mount(2) and umount2(2) for the graph driver and the netns code. Flag names are mapped in
// TypeScript (src/fs/mount-flags.ts); here flags arrive as the MS_* number.
#include <sys/mount.h>
#include <unistd.h>

#include "addon/args.h"
#include "addon/error_message.h"
#include "addon/register.h"

namespace berth {
namespace {

long PageSize() { return sysconf(_SC_PAGESIZE); }

// mount(source|null, target, fstype|null, flags, data|null)
Napi::Value Mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto source = OptionalStringArg(info, 0);
  std::string target = StringArg(info, 1);
  auto fstype = OptionalStringArg(info, 2);
  unsigned long flags = static_cast<unsigned long>(Int64Arg(info, 3));
  auto data = OptionalStringArg(info, 4);
  // The kernel copies at most one page of mount data and cuts the rest off, which shows up
  // as a confusing error from the filesystem (or a silently wrong option). Say what it is.
  if (data && static_cast<long>(data->size()) + 1 > PageSize()) {
    throw SyscallErrorWithMessage(env, "mount", E2BIG, target,
                                  "mount data longer than a page (" + std::to_string(data->size() + 1) + " > " +
                                      std::to_string(PageSize()) + " bytes) for " + target +
                                      ": use shorter paths (links) or mountOverlay, which lifts the limit");
  }
  if (mount(source ? source->c_str() : nullptr, target.c_str(), fstype ? fstype->c_str() : nullptr, flags,
            data ? data->c_str() : nullptr) != 0) {
    throw SyscallError(env, "mount", errno, target);
  }
  return env.Undefined();
}

// umount2(target, flags): MNT_FORCE, MNT_DETACH, UMOUNT_NOFOLLOW.
Napi::Value Umount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string target = StringArg(info, 0);
  if (umount2(target.c_str(), IntArg(info, 1)) != 0) throw SyscallError(env, "umount2", errno, target);
  return env.Undefined();
}

Napi::Value GetPageSize(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), PageSize()); }

}  // namespace

void RegisterFs(Napi::Env env, Napi::Object exports) {
  exports.Set("mount", Napi::Function::New(env, Mount));
  exports.Set("umount", Napi::Function::New(env, Umount));
  exports.Set("pageSize", Napi::Function::New(env, GetPageSize));
}

}  // namespace berth
