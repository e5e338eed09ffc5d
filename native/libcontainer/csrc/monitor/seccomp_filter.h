#pragma once
#include <linux/filter.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace berth {
// A seccomp filter compiled to classic BPF, ready for the kernel.
struct SeccompProgram {
  std::vector<sock_filter> instructions;
};

// Builds the spec's `linux.seccomp` with libseccomp and compiles it. Pure computation (no
// effect on the calling process), so the init does it while the monitor still sets up its
// cgroups, instead of on the critical path after set-up.
SeccompProgram CompileSeccomp(const nlohmann::json& seccomp);

// Loads a compiled filter. Done last, right before execve, so that set-up is not filtered.
void LoadSeccomp(const SeccompProgram& program);
}  // namespace berth
