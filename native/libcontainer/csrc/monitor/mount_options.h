#pragma once
#include <string>
#include <vector>

namespace berth {
// mount(8)-style options split into flags, propagation and the data string.
struct MountOptions {
  unsigned long flags = 0;       // applied with the mount (and a remount for binds)
  unsigned long clearFlags = 0;  // "rw", "suid", … explicitly turning a flag off
  unsigned long propagation = 0; // MS_PRIVATE | MS_REC …, applied after the mount
  bool bind = false, recursive = false;
  std::string data;
};

MountOptions ParseMountOptions(const std::vector<std::string>& options);
// Propagation flags for a name such as `rslave`; 0 for anything else.
unsigned long PropagationFlags(const std::string& name);
}  // namespace berth
