#pragma once
// What runs in the cloned child: the container's init (create) or an exec'd process. It is
// single-threaded (a clone of the single-threaded monitor), so setns/unshare are safe here.
#include <string>
#include <vector>

#include "monitor/spec.h"

namespace berth {

struct Stdio {
  int in = -1, out = -1, err = -1;  // pipe ends; unused with a terminal
};

struct InitContext {
  const Spec* spec = nullptr;     // create: the whole spec
  const Process* process = nullptr;
  int syncFd = -1;
  // The monitor's report pipe to Node: the init must not hold it open, or Node would
  // not see it end.
  int statusFd = -1;
  Stdio stdio;
  bool newCgroupNs = false;
  // exec: namespace fds of the target container to join (already filtered to those that
  // differ from the monitor's), as (CLONE_NEW* flag, fd) pairs, user first.
  std::vector<std::pair<int, int>> joinFds;
  const nlohmann::json* seccomp = nullptr;
  // Where compiled seccomp programs are kept between containers ("": compile every time).
  std::string seccompCacheDir;
  // cgroup v1 `tasks` files the process joins itself, first thing (see cgroup_join.h).
  std::vector<std::string> ownCgroupTasks;
};

// clone() entry points. They never return: execve, or report the error and _exit(1).
int ContainerInitMain(void* ctx);
int ExecInitMain(void* ctx);
}  // namespace berth
