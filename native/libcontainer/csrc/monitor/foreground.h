#pragma once
// `berth-monitor create --foreground`: the monitor runs in the place of the command that
// asked for the container (`berth-runtime run` execs into it, keeping its PID), as `runc run`
// does its whole job in one process. The container gets that command's stdio as it is, starts
// at once, receives the signals the command gets, and when it has exited the monitor removes
// what the container had (cgroups, state) and ends the way the container ended.
#include <sys/types.h>

#include <string>
#include <vector>

namespace berth {

struct ForegroundPlan {
  // The container's state.json without the processes: the monitor adds its own and the
  // container's PID and start time.
  std::string recordTemplate;
  std::string pidFile;
  // Removed when the container has exited (unless keep), and after a failed set-up always.
  std::vector<std::string> cgroupDirs;
  std::vector<std::string> trees;
  bool keep = false;
  // Where errors go besides stderr (runc's --log), and how: "json" lines or logfmt "text".
  std::string errorLog;
  std::string errorLogFormat;
};

// The signals passed on to the container (runc's signal proxy; SIGCHLD is the monitor's own).
const std::vector<int>& ForwardedSignals();

// Writes <stateDir>/state.json from the template, with the process's PID and start time.
void WriteStateRecord(const ForegroundPlan& plan, const std::string& stateDir, pid_t pid);
void WritePidFile(const std::string& path, pid_t pid);

// Prints a set-up error as the runtime's CLI does: on stderr, and in the error log if any.
void ReportForegroundError(const ForegroundPlan& plan, const std::string& message);

// Kills what is left in the container's cgroups, removes them and the trees (state, records).
void RemoveContainerRemains(const ForegroundPlan& plan);

// Ends this process the way the container's process ended: its exit code, or its signal.
[[noreturn]] void ExitLike(int waitStatus);
}  // namespace berth
