#pragma once
#include "monitor/spec.h"

namespace berth {
// Everything that makes the rootfs the container's `/`, in the container's new mount
// namespace: propagation, the spec's mounts, /dev and its devices, pivot_root.
void PrepareRootfs(const Spec& spec);
// After pivot_root: masked and read-only paths, read-only root.
void FinishRootfs(const Spec& spec);
}  // namespace berth
