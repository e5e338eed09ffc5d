#include "monitor/foreground.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "monitor/read_file.h"

namespace berth {
namespace {

// Field 22 of /proc/<pid>/stat: with the PID it names one process for good (as the Node side reads it).
unsigned long long StartTime(pid_t pid) {
  std::string stat;
  if (!ReadFile("/proc/" + std::to_string(pid) + "/stat", stat)) return 0;
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  auto fields = SplitText(stat.substr(close + 2), ' ');
  return fields.size() > 19 ? std::strtoull(fields[19].c_str(), nullptr, 10) : 0;
}

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok && rename(tmp.c_str(), path.c_str()) == 0;
}

std::vector<pid_t> CgroupProcs(const std::string& dir) {
  std::vector<pid_t> out;
  std::string text;
  ReadFile(dir + "/cgroup.procs", text);
  for (const auto& line : SplitText(text, '\n'))
    if (!line.empty()) out.push_back(static_cast<pid_t>(std::strtol(line.c_str(), nullptr, 10)));
  return out;
}

// The cgroup and the ones below it, deepest first (a container with its own cgroup
// namespace may have made some).
void CgroupTree(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") CgroupTree(dir + "/" + name, out);
  }
  closedir(d);
  out.push_back(dir);
}

void RemoveCgroup(const std::string& dir) {
  // Usually empty by now (a PID namespace ends with its init): one rmdir does.
  if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
  std::vector<std::string> tree;
  CgroupTree(dir, tree);
  for (const auto& d : tree) {
    // Without a PID namespace the init's exit leaves its children: end them first. An
    // exiting process may hold the cgroup for a moment, so rmdir is retried briefly.
    for (int attempt = 0; attempt < 200; attempt++) {
      for (pid_t pid : CgroupProcs(d)) kill(pid, SIGKILL);
      if (rmdir(d.c_str()) == 0 || errno == ENOENT || errno != EBUSY) break;
      poll(nullptr, 0, 5);
    }
  }
}

int RemoveEntry(const char* path, const struct stat*, int type, FTW*) {
  if (type == FTW_DP) rmdir(path);
  else unlink(path);
  return 0;
}

std::string Now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  char buf[40];
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &t);
  char ms[24];
  snprintf(ms, sizeof(ms), ".%03ldZ", ts.tv_nsec / 1000000);
  return std::string(buf) + ms;
}
}  // namespace

const std::vector<int>& ForwardedSignals() {
  static const std::vector<int> signals{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};
  return signals;
}

void WriteStateRecord(const ForegroundPlan& plan, const std::string& stateDir, pid_t pid) {
  std::string text;
  ReadFile(plan.recordTemplate, text);
  nlohmann::json record = nlohmann::json::parse(text, nullptr, false);
  if (record.is_discarded()) return;
  record["pid"] = pid;
  record["pidStartTime"] = StartTime(pid);
  record["monitorPid"] = getpid();
  record["monitorStartTime"] = StartTime(getpid());
  WriteFileAtomically(stateDir + "/state.json", record.dump(2));
  unlink(plan.recordTemplate.c_str());
}

void WritePidFile(const std::string& path, pid_t pid) {
  if (!path.empty()) WriteFileAtomically(path, std::to_string(pid));
}

void ReportForegroundError(const ForegroundPlan& plan, const std::string& message) {
  std::string line = "berth-runtime: " + message + "\n";
  (void)!write(STDERR_FILENO, line.data(), line.size());
  if (plan.errorLog.empty()) return;
  std::string entry = plan.errorLogFormat == "json"
                          ? nlohmann::json{{"level", "error"}, {"msg", message}, {"time", Now()}}.dump() + "\n"
                          : "time=\"" + Now() + "\" level=error msg=" + nlohmann::json(message).dump() + "\n";
  int fd = open(plan.errorLog.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)!write(fd, entry.data(), entry.size());
  close(fd);
}

void RemoveContainerRemains(const ForegroundPlan& plan) {
  for (const auto& dir : plan.cgroupDirs) RemoveCgroup(dir);
  for (const auto& tree : plan.trees) nftw(tree.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

void ExitLike(int waitStatus) {
  if (WIFSIGNALED(waitStatus)) {
    int sig = WTERMSIG(waitStatus);
    signal(sig, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_UNBLOCK, &only, nullptr);
    raise(sig);
    _exit(128 + sig);  // a signal that does not end a process (or SIGSTOP's kind)
  }
  _exit(WEXITSTATUS(waitStatus));
}
}  // namespace berth
