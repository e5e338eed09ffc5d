#pragma once
#include <nlohmann/json.hpp>

namespace berth {
// Builds and loads a seccomp filter from the spec's `linux.seccomp` with libseccomp.
// Loaded last, right before execve, so that set-up is not filtered.
void LoadSeccomp(const nlohmann::json& seccomp);
}  // namespace berth
