#pragma once
// Argument readers for the addon's functions. The TypeScript wrappers validate input, so
// these only convert (a wrong type still throws a JS TypeError from node-addon-api).
#include <napi.h>

#include <cstdint>
#include <optional>
#include <string>

namespace berth {
inline std::string StringArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::String>().Utf8Value();
}

// null or undefined → nullopt (e.g. mount(2)'s optional source, fstype and data).
inline std::optional<std::string> OptionalStringArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return std::nullopt;
  return info[i].As<Napi::String>().Utf8Value();
}

inline int IntArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

inline int64_t Int64Arg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int64Value();
}

inline uint32_t Uint32Arg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Uint32Value();
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].ToBoolean().Value();
}
}  // namespace berth
