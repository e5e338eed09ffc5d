#pragma once
#include <napi.h>

namespace berth {
// process.cc: pidfd open/signal/wait.
void RegisterProcess(Napi::Env env, Napi::Object exports);
// fs.cc: mount, mknod, xattrs, lchown, lutimes, safe open inside a root.
void RegisterFs(Napi::Env env, Napi::Object exports);
// netns.cc: persistent network namespaces.
void RegisterNetns(Napi::Env env, Napi::Object exports);
}  // namespace berth
