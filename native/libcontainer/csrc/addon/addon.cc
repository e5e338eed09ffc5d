// Module entry: each concern registers its functions on `exports`.
#include <napi.h>

#include "addon/register.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  berth::RegisterProcess(env, exports);
  berth::RegisterProcessMemory(env, exports);
  berth::RegisterProcessSpawn(env, exports);
  berth::RegisterFs(env, exports);
  berth::RegisterFsOverlay(env, exports);
  berth::RegisterFsNodes(env, exports);
  berth::RegisterFsXattr(env, exports);
  berth::RegisterFsSafeRoot(env, exports);
  berth::RegisterFsSafeRootMeta(env, exports);
  berth::RegisterFsSafeRootDirs(env, exports);
  berth::RegisterFsSafeRootFile(env, exports);
  berth::RegisterNetns(env, exports);
  return exports;
}

NODE_API_MODULE(berth_libcontainer, Init)
