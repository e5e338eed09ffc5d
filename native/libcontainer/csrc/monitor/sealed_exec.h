#pragma once
// The monitor re-executes itself from a sealed copy of its executable (common/sealed_copy.h)
// unless it was started from one already.
namespace berth {

// True when this process already runs from the sealed copy.
bool RunningSealed();
// Copies our executable into a sealed memfd and re-executes from it; returns only on failure
// (after printing why), and the caller then runs on from the file as it is.
void ReexecSealed(char** argv);
}  // namespace berth
