#pragma once
// The monitor's life after the container's process exists: relay stdio between the
// process, the log and attached clients; pass on start, resize and stdin; reap the process
// and record its exit status atomically. Single-threaded, epoll.
#include <sys/types.h>

#include <string>
#include <vector>

#include "monitor/json_log.h"

namespace berth {

struct LoopConfig {
  pid_t child = -1;
  int syncFd = -1;       // to the init: Start; EOF once it has exec'd
  int stdinFd = -1;      // write end (pipe) — or the pty master
  int stdoutFd = -1;     // read ends; with a pty only stdoutFd (the master) is used
  int stderrFd = -1;
  bool terminal = false;
  std::string logPath;   // empty: no log
  LogRotation logRotation;
  int listenFd = -1;     // the attach socket, listening (see ListenAttachSocket)
  std::string attachPath;
  std::string exitPath;
  // The caller's reaper takes the process (an engine's shim or conmon, as with runc): once
  // the program has started the monitor leaves, and the process is reparented to that reaper,
  // which collects its exit status. Its stdio is then the caller's own, not relayed.
  bool handOff = false;
  // In the foreground (see foreground.h): start without waiting for a client, pass these
  // signals on to the process, and give its wait status back to the caller.
  bool startAtOnce = false;
  std::vector<int> forwardSignals;
  int* waitStatus = nullptr;
};

// Creates the attach socket (mode 0600). Done before the monitor reports the container as
// created, so that a client may connect as soon as it hears of it. Throws SetupError.
int ListenAttachSocket(const std::string& path);

// Runs until the process has exited and its status is written (or, handing off, until it has
// started). Returns the monitor's exit code.
int RunEventLoop(const LoopConfig& config);
}  // namespace berth
