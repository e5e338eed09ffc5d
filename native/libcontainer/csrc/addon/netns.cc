// Persistent network namespaces (filled in by the netns work).
#include "addon/register.h"

namespace berth {
void RegisterNetns(Napi::Env env, Napi::Object exports) {}
}  // namespace berth
