// Filesystem primitives Node lacks (filled in by the fs work).
#include "addon/register.h"

namespace berth {
void RegisterFs(Napi::Env env, Napi::Object exports) {}
}  // namespace berth
