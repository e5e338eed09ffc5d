// Directory fds for SafeRoot's parent cache: the directory is resolved once with openat2
// (inside the root), and later calls act on single names in it (Resolve::kInDir), which
// saves a path walk per call when many entries share a parent.
#include "addon/args.h"
#include "addon/register.h"
#include "addon/safe_root.h"

namespace berth {
namespace {

// openDirAt(rootFd, path, beneath): an O_PATH fd of the directory `path` (symlinks on the
// way, the last one included, resolved inside the root). The caller closes it.
Napi::Value OpenDirAt(const Napi::CallbackInfo& info) {
  Fd dir = ResolveDir(info.Env(), IntArg(info, 0), StringArg(info, 1), BoolArg(info, 2));
  return Napi::Number::New(info.Env(), dir.release());
}

}  // namespace

void RegisterFsSafeRootDirs(Napi::Env env, Napi::Object exports) {
  exports.Set("openDirAt", Napi::Function::New(env, OpenDirAt));
}

}  // namespace berth
