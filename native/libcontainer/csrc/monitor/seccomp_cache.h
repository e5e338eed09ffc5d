#pragma once
// Compiled seccomp programs kept on disk, so that containers with the same profile (nearly
// all of them use the default one) skip libseccomp's ~10 ms compile. An entry holds the full
// profile text it was compiled from and is used only if that text matches exactly, so a
// hash collision can never select another profile's program. The directory is the caller's
// (under the runtime state root: root-only, and gone at reboot, like the kernel it probed).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "monitor/seccomp_filter.h"

namespace berth {

// What an entry is compiled from: the profile, the libseccomp that compiled it, the kernel.
std::string SeccompCacheKey(const nlohmann::json& seccomp);

std::optional<SeccompProgram> ReadCachedSeccomp(const std::string& dir, const std::string& key);

// Best effort (a failure only costs the next container a compile): temp file, then rename.
void WriteCachedSeccomp(const std::string& dir, const std::string& key, const SeccompProgram& program);
}  // namespace berth
