#pragma once
namespace berth {
// Defence against overwriting the runtime binary through /proc/<pid>/exe from inside a
// container (CVE-2019-5736): the monitor runs from a copy of its executable in a sealed
// memfd. Whatever a container can reach of this process then is an immutable anonymous copy,
// never the file on disk.

// True when this process already runs from the sealed copy.
bool RunningSealed();
// Copies our executable into a sealed memfd and re-executes from it; returns only on failure
// (after printing why), and the caller then runs on from the file as it is.
void ReexecSealed(char** argv);
}  // namespace berth
