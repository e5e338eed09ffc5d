#include "monitor/init_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/stat.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "monitor/cgroup_join.h"
#include "monitor/credentials.h"
#include "monitor/loopback.h"
#include "monitor/namespaces.h"
#include "monitor/pty.h"
#include "monitor/rootfs.h"
#include "monitor/seccomp_cache.h"
#include "monitor/seccomp_filter.h"
#include "monitor/setup_error.h"
#include "monitor/sync_channel.h"

namespace berth {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// args[0] as execve wants it: searched in the process's own PATH (not ours), so that a
// missing binary is an error at create time, as with runc.
std::string ResolveExecutable(const Process& p) {
  const std::string& name = p.args[0];
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) != 0) Fail("find executable", "access", name);
    return name;
  }
  std::string path = kDefaultPath;
  for (auto& e : p.env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st{};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  FailDetail("find executable", "\"" + name + "\": executable file not found in $PATH");
}

void WaitFor(int syncFd, SyncKind kind) {
  SyncMessage m;
  if (!ReceiveSync(syncFd, m) || m.kind != kind) _exit(1);  // the monitor is gone: nothing to do
}

void ConnectStdio(const Stdio& s) {
  if (s.in >= 0 && dup2(s.in, 0) < 0) Fail("stdio", "dup2");
  if (s.out >= 0 && dup2(s.out, 1) < 0) Fail("stdio", "dup2");
  if (s.err >= 0 && dup2(s.err, 2) < 0) Fail("stdio", "dup2");
}

void OpenTerminal(const InitContext& c) {
  int master = OpenContainerPty(c.process->rows, c.process->cols);
  if (!SendFd(c.syncFd, master)) Fail("terminal", "sendmsg");
  close(master);
}

// The seccomp filter, compiled (or found compiled) ahead of set-up, or why it could not be.
struct PreparedSeccomp {
  std::optional<SeccompProgram> program;
  std::optional<SetupError> error;
};

PreparedSeccomp PrepareSeccomp(const InitContext& c) {
  if (!c.seccomp) return {};
  try {
    if (c.seccompCacheDir.empty()) return {CompileSeccomp(*c.seccomp), std::nullopt};
    std::string key = SeccompCacheKey(*c.seccomp);
    if (auto cached = ReadCachedSeccomp(c.seccompCacheDir, key)) return {std::move(*cached), std::nullopt};
    SeccompProgram program = CompileSeccomp(*c.seccomp);
    WriteCachedSeccomp(c.seccompCacheDir, key, program);
    return {std::move(program), std::nullopt};
  } catch (const SetupError& e) {
    return {std::nullopt, e};
  }
}

// Joins our own cgroups and prepares the filter while the monitor does its part of the
// set-up. Errors are raised once the monitor says Go, so they reach Node as set-up failures
// like any other.
const SeccompProgram* PrepareThenWaitForGo(const InitContext& c, PreparedSeccomp& prepared) {
  std::optional<SetupError> joinError;
  try {
    JoinOwnCgroups(c.ownCgroupTasks);
  } catch (const SetupError& e) {
    joinError = e;
  }
  prepared = PrepareSeccomp(c);
  WaitFor(c.syncFd, SyncKind::Go);
  if (joinError) throw *joinError;
  if (prepared.error) throw *prepared.error;
  return prepared.program ? &*prepared.program : nullptr;
}

// The common tail: credentials, cwd, tell the monitor, wait for start, filter, exec.
[[noreturn]] void FinishAndExec(const InitContext& c, const SeccompProgram* seccomp) {
  const Process& p = *c.process;
  ApplyLimits(p);
  // The kernel takes a filter only with no_new_privs or CAP_SYS_ADMIN: without
  // no_new_privs, load it while we still hold our capabilities (as runc does); the
  // profile then also covers the few set-up calls that follow.
  bool seccompEarly = seccomp && !p.noNewPrivileges;
  if (seccompEarly) LoadSeccomp(*seccomp);
  ApplyCredentials(p);
  if (chdir(p.cwd.c_str()) != 0) Fail("cwd", "chdir", p.cwd);
  std::string exe = ResolveExecutable(p);
  SendSync(c.syncFd, SyncKind::Created);
  WaitFor(c.syncFd, SyncKind::Start);
  if (seccomp && !seccompEarly) LoadSeccomp(*seccomp);
  std::vector<char*> argv, envp;
  for (auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // No descriptor of the monitor or the host reaches the container's program: all close
  // on exec. The sync socket too, so the monitor sees it end exactly when execve succeeds.
  syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  execve(exe.c_str(), argv.data(), envp.data());
  dprintf(2, "berth: exec %s: %s\n", exe.c_str(), std::strerror(errno));
  _exit(127);
}

[[noreturn]] void Report(const InitContext& c, const SetupError& e) {
  SendSync(c.syncFd, SyncKind::Error, e.Json());
  _exit(1);
}

}  // namespace

// The monitor blocks SIGCHLD and ignores some signals; execve would pass both on.
void ResetSignals() {
  for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGTERM}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

int ContainerInitMain(void* arg) {
  auto& c = *static_cast<InitContext*>(arg);
  ResetSignals();
  if (c.statusFd >= 0) close(c.statusFd);
  try {
    PreparedSeccomp prepared;
    const SeccompProgram* seccomp = PrepareThenWaitForGo(c, prepared);
    const Spec& spec = *c.spec;
    JoinNamespaces(spec);
    // In a new user namespace we keep the host's credentials, which usually have no mapping
    // there: become the namespace's root so that files we create have an owner.
    if (HasNamespace(spec, "user") && (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0))
      Fail("user namespace", "setresuid", "0");
    if (HasNamespace(spec, "network")) BringLoopbackUp();
    if (c.newCgroupNs && unshare(CLONE_NEWCGROUP) != 0) Fail("cgroup namespace", "unshare");
    if (!c.process->terminal) ConnectStdio(c.stdio);
    bool newUts = false;
    for (auto& n : spec.namespaces) newUts = newUts || (n.type == "uts" && n.path.empty());
    if (HasNamespace(spec, "mount")) {
      PrepareRootfs(spec);
      ApplyNamespaceSettings(spec, newUts);  // sysctls before /proc/sys turns read-only
      FinishRootfs(spec);
    } else {
      if (chroot(spec.rootPath.c_str()) != 0 || chdir("/") != 0) Fail("rootfs", "chroot", spec.rootPath);
      ApplyNamespaceSettings(spec, newUts);
    }
    if (c.process->terminal) OpenTerminal(c);
    if (!c.process->terminal && setsid() < 0) Fail("session", "setsid");
    FinishAndExec(c, seccomp);
  } catch (const SetupError& e) {
    Report(c, e);
  }
}

int ExecInitMain(void* arg) {
  auto& c = *static_cast<InitContext*>(arg);
  ResetSignals();
  if (c.statusFd >= 0) close(c.statusFd);
  try {
    PreparedSeccomp prepared;
    const SeccompProgram* seccomp = PrepareThenWaitForGo(c, prepared);
    for (auto& [flag, fd] : c.joinFds)
      if (setns(fd, flag) != 0) Fail("join container namespaces", "setns", std::to_string(flag));
    for (auto& [flag, fd] : c.joinFds) close(fd);
    if (chdir("/") != 0) Fail("exec", "chdir", "/");
    if (c.process->terminal)
      OpenTerminal(c);
    else {
      ConnectStdio(c.stdio);
      if (setsid() < 0) Fail("session", "setsid");
    }
    FinishAndExec(c, seccomp);
  } catch (const SetupError& e) {
    Report(c, e);
  }
}
}  // namespace berth
