// Returning a process's freed heap memory to the kernel. glibc keeps freed chunks in its
// arenas; a long-running process (a daemon after a burst of work) holds them as resident
// memory until malloc_trim gives the free pages back.
#include <malloc.h>

#include "addon/register.h"

namespace berth {
namespace {

Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
#ifdef __GLIBC__
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

void RegisterProcessMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemory));
}

}  // namespace berth
