#pragma once
// SyscallError with a message of our own, for failures where strerror alone would mislead
// (mount data longer than a page is not "Argument list too long"; "not a regular file").
#include "addon/errors.h"

namespace berth {
inline Napi::Error SyscallErrorWithMessage(Napi::Env env, const char* syscall, int err, const std::string& path,
                                           const std::string& message) {
  Napi::Error e = SyscallError(env, syscall, err, path);
  e.Set("message", Napi::String::New(env, message));
  return e;
}
}  // namespace berth
