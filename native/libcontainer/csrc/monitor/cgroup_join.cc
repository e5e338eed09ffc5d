#include "monitor/cgroup_join.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

#include "monitor/setup_error.h"

namespace berth {
namespace {

std::string DirOf(const std::string& file) {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? "." : file.substr(0, slash);
}

long FsType(const std::string& dir) {
  struct statfs st{};
  return statfs(dir.c_str(), &st) == 0 ? static_cast<long>(st.f_type) : 0;
}

void WriteValue(const std::string& file, const std::string& value) {
  int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) Fail("join cgroup", "open", file);
  if (write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    int err = errno;
    close(fd);
    Fail("join cgroup", "write", file, err);
  }
  close(fd);
}

}  // namespace

CgroupJoinPlan PlanCgroupJoin(const std::vector<std::string>& procsFiles, bool childMayJoin) {
  CgroupJoinPlan plan;
  for (auto& file : procsFiles) {
    std::string dir = DirOf(file);
    long type = FsType(dir);
    bool isProcs = file.size() >= 13 && file.compare(file.size() - 13, 13, "/cgroup.procs") == 0;
    if (isProcs && type == CGROUP2_SUPER_MAGIC && plan.intoCgroupFd < 0) {
      plan.intoCgroupFd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (plan.intoCgroupFd >= 0) {
        plan.intoCgroupProcs = file;
        continue;
      }
    }
    if (isProcs && type == CGROUP_SUPER_MAGIC && childMayJoin)
      plan.ownTasksFiles.push_back(dir + "/tasks");
    else
      plan.monitorProcs.push_back(file);
  }
  return plan;
}

pid_t CloneIntoCgroup(CgroupJoinPlan& plan, int flags) {
  if (plan.intoCgroupFd >= 0) {
    clone_args args{};
    args.flags = static_cast<unsigned>(flags & ~CSIGNAL) | CLONE_INTO_CGROUP;
    args.exit_signal = static_cast<unsigned>(flags & CSIGNAL);
    args.cgroup = static_cast<unsigned>(plan.intoCgroupFd);
    long pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid >= 0) {
      if (pid > 0) close(plan.intoCgroupFd);
      return static_cast<pid_t>(pid);
    }
    close(plan.intoCgroupFd);
  }
  plan.intoCgroupFd = -1;
  if (!plan.intoCgroupProcs.empty()) plan.monitorProcs.push_back(plan.intoCgroupProcs);
  return -1;
}

void JoinOwnCgroups(const std::vector<std::string>& tasksFiles) {
  for (auto& f : tasksFiles) WriteValue(f, "0");
}

void JoinCgroups(pid_t pid, const std::vector<std::string>& procsFiles) {
  std::string value = std::to_string(pid);
  for (auto& f : procsFiles) WriteValue(f, value);
}
}  // namespace berth
