#pragma once
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace berth {
// A JS Error carrying what the kernel said: `code` (e.g. "ENOENT"), `errno`, `syscall`, `path`.
// The TypeScript wrapper turns it into a typed LibcontainerError.
inline Napi::Error SyscallError(Napi::Env env, const char* syscall, int err, const std::string& path = "") {
  std::string message = std::string(syscall) + " failed: " + std::strerror(err);
  if (!path.empty()) message += " (" + path + ")";
  Napi::Error e = Napi::Error::New(env, message);
  const char* name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  return e;
}
}  // namespace berth
