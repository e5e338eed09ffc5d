#pragma once
namespace berth {
// Defence against overwriting the runtime binary through /proc/<pid>/exe from inside a
// container (CVE-2019-5736): unless already running from one, copy our executable into a
// sealed memfd and re-exec from it. Whatever a container can reach of this process then
// is an immutable anonymous copy, never the file on disk.
void EnsureSealedExecutable(char** argv);
}  // namespace berth
