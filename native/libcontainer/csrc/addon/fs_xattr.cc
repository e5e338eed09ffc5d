// Extended attributes on the entry itself (never a symlink's target): overlay's
// `trusted.overlay.opaque`, file capabilities in `security.capability`, and whatever a layer
// tarball carries. Every call takes (rootFd, path, beneath): rootFd -1 for a plain path, or a
// SafeRoot's fd to resolve `path` inside it (see safe_root.h).
#include "addon/args.h"
#include "addon/errors.h"
#include "addon/register.h"
#include "addon/safe_root.h"
#include "addon/xattr_at.h"

namespace berth {
namespace {

// xattrSet(rootFd, path, beneath, name, value: Buffer, flags: XATTR_CREATE|XATTR_REPLACE)
Napi::Value XattrSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  std::string attr = StringArg(info, 3);
  auto value = info[4].As<Napi::Buffer<char>>();
  if (SetXattrAt(at.dirfd, at.name, attr, value.Data(), value.Length(), IntArg(info, 5)) != 0) {
    throw SyscallError(env, "lsetxattr", errno, StringArg(info, 1));
  }
  return env.Undefined();
}

// xattrGet(rootFd, path, beneath, name): Buffer, or null when the attribute is not set.
Napi::Value XattrGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  auto value = GetXattrAt(at.dirfd, at.name, StringArg(info, 3));
  if (!value) {
    if (errno == ENODATA) return env.Null();
    throw SyscallError(env, "lgetxattr", errno, StringArg(info, 1));
  }
  return Napi::Buffer<char>::Copy(env, value->data(), value->size());
}

// xattrList(rootFd, path, beneath): string[]
Napi::Value XattrList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  auto names = ListXattrAt(at.dirfd, at.name);
  if (!names) throw SyscallError(env, "llistxattr", errno, StringArg(info, 1));
  Napi::Array out = Napi::Array::New(env, names->size());
  for (size_t i = 0; i < names->size(); i++) out.Set(static_cast<uint32_t>(i), (*names)[i]);
  return out;
}

// xattrRemove(rootFd, path, beneath, name)
Napi::Value XattrRemove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Located at = LocateArg(info, 0);
  if (RemoveXattrAt(at.dirfd, at.name, StringArg(info, 3)) != 0) {
    throw SyscallError(env, "lremovexattr", errno, StringArg(info, 1));
  }
  return env.Undefined();
}

}  // namespace

void RegisterFsXattr(Napi::Env env, Napi::Object exports) {
  exports.Set("xattrSet", Napi::Function::New(env, XattrSet));
  exports.Set("xattrGet", Napi::Function::New(env, XattrGet));
  exports.Set("xattrList", Napi::Function::New(env, XattrList));
  exports.Set("xattrRemove", Napi::Function::New(env, XattrRemove));
}

}  // namespace berth
