#pragma once
// How the container's process gets into its cgroups without a migration by the monitor.
//
// A write of another process's PID to cgroup.procs takes the kernel's global threadgroup
// lock for writing, which waits for an RCU grace period (10-20 ms here) whenever it has not
// been taken recently. Two ways around it, used where they apply:
// - cgroup2: the process is born in its cgroup (clone3 with CLONE_INTO_CGROUP);
// - cgroup v1: the single-threaded process moves itself, writing "0" to the hierarchy's
//   `tasks` file, a case for which the kernel skips that lock.
// Everything else (plain files in tests, a child in a new user namespace, which has no
// rights on the host's cgroupfs) is written by the monitor as before.
#include <sys/types.h>

#include <string>
#include <vector>

namespace berth {

struct CgroupJoinPlan {
  int intoCgroupFd = -1;                   // a cgroup2 directory for CLONE_INTO_CGROUP, or -1
  std::string intoCgroupProcs;             // its cgroup.procs (the monitor's fallback)
  std::vector<std::string> ownTasksFiles;  // v1 `tasks` files the child writes "0" to
  std::vector<std::string> monitorProcs;   // cgroup.procs files the monitor writes the PID to
};

// Sorts the spec's cgroup.procs files; `childMayJoin` is false when the child will not be
// allowed to write the host's cgroup files itself (a new user namespace).
CgroupJoinPlan PlanCgroupJoin(const std::vector<std::string>& procsFiles, bool childMayJoin);

// clone3 with CLONE_INTO_CGROUP into plan.intoCgroupFd, fork-style (the child returns 0).
// When the kernel refuses (no clone3 or no CLONE_INTO_CGROUP), returns -1 with the plan
// changed so that the monitor joins that cgroup instead; the caller then clones as before.
pid_t CloneIntoCgroup(CgroupJoinPlan& plan, int flags);

// In the child: joins the v1 hierarchies itself. Throws a SetupError ("join cgroup").
void JoinOwnCgroups(const std::vector<std::string>& tasksFiles);

// In the monitor: writes `pid` to each cgroup.procs file. Throws a SetupError ("join cgroup").
void JoinCgroups(pid_t pid, const std::vector<std::string>& procsFiles);
}  // namespace berth
