// berth-monitor: creates a container (or an exec'd process in one), stays as its parent,
// relays its stdio and records its exit status. Started by @berth/libcontainer with fd 3
// open for the result: one JSON line, {"pid":N} or {"error":{…}}.
//
//   berth-monitor create --state DIR --bundle DIR [--config FILE] [--log FILE] [--stdin]
//                        [--cgroup-procs FILE]... [--seccomp-cache DIR] [--hand-off]
//   berth-monitor exec   --state DIR --target-pid PID --process FILE [--config FILE]
//                        [--stdin] [--cgroup-procs FILE]... [--seccomp-cache DIR]
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "monitor/cgroup_join.h"
#include "monitor/console_socket.h"
#include "monitor/event_loop.h"
#include "monitor/init_process.h"
#include "monitor/namespaces.h"
#include "monitor/sealed_exec.h"
#include "monitor/setup_error.h"
#include "monitor/sync_channel.h"

using namespace berth;

namespace {

constexpr int kStatusFd = 3;
constexpr size_t kStackSize = 1024 * 1024;

struct Args {
  std::string mode, state, bundle, config, log, process, seccompCache;
  pid_t targetPid = -1;
  bool keepStdin = false;
  // The process gets the monitor's own stdio, and the monitor leaves once it has started.
  bool handOff = false;
  std::vector<std::string> cgroupProcs;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  if (argc < 2) FailDetail("arguments", "usage: berth-monitor create|exec …");
  a.mode = argv[1];
  for (int i = 2; i < argc; i++) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) FailDetail("arguments", k + " needs a value");
      return argv[++i];
    };
    if (k == "--state") a.state = value();
    else if (k == "--bundle") a.bundle = value();
    else if (k == "--config") a.config = value();
    else if (k == "--log") a.log = value();
    else if (k == "--process") a.process = value();
    else if (k == "--target-pid") a.targetPid = std::stoi(value());
    else if (k == "--seccomp-cache") a.seccompCache = value();
    else if (k == "--stdin") a.keepStdin = true;
    else if (k == "--hand-off") a.handOff = true;
    else if (k == "--cgroup-procs") a.cgroupProcs.push_back(value());
    else FailDetail("arguments", "unknown argument " + k);
  }
  if (a.state.empty()) FailDetail("arguments", "--state is required");
  return a;
}

void ReportStatus(const std::string& line) {
  std::string out = line + "\n";
  (void)!write(kStatusFd, out.data(), out.size());
  close(kStatusFd);
}

struct Pipes {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
};

Pipes MakePipes(bool keepStdin) {
  Pipes p;
  if (keepStdin) {
    if (pipe2(p.in, O_CLOEXEC) != 0) Fail("stdio", "pipe2");
  } else {
    p.in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  if (pipe2(p.out, O_CLOEXEC) != 0 || pipe2(p.err, O_CLOEXEC) != 0) Fail("stdio", "pipe2");
  return p;
}

// Namespaces of `pid` that differ from ours, user first, as (flag, fd) pairs.
std::vector<std::pair<int, int>> TargetNamespaces(pid_t pid, int& pidNsFd) {
  const std::pair<const char*, int> kinds[] = {{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
                                               {"net", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS}};
  std::vector<std::pair<int, int>> out;
  auto differs = [&](const char* kind, std::string& path) {
    path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
    struct stat theirs{}, ours{};
    if (stat(path.c_str(), &theirs) != 0) Fail("exec", "stat", path);
    if (stat((std::string("/proc/self/ns/") + kind).c_str(), &ours) != 0) return true;
    return theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev;
  };
  for (auto& [kind, flag] : kinds) {
    std::string path;
    if (!differs(kind, path)) continue;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) Fail("exec", "open", path);
    out.push_back({flag, fd});
  }
  std::string path;
  pidNsFd = -1;
  if (differs("pid", path)) {
    pidNsFd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (pidNsFd < 0) Fail("exec", "open", path);
  }
  return out;
}

int Run(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  bool create = args.mode == "create";
  if (!create && args.mode != "exec") FailDetail("arguments", "unknown mode " + args.mode);

  Spec spec;
  Process process;
  std::optional<nlohmann::json> seccomp;
  if (create) {
    if (args.bundle.empty()) FailDetail("arguments", "--bundle is required");
    spec = LoadSpec(args.config.empty() ? args.bundle + "/config.json" : args.config, args.bundle);
    process = spec.process;
    seccomp = spec.seccomp;
  } else {
    std::ifstream in(args.process);
    if (!in) Fail("exec", "open", args.process);
    nlohmann::json j;
    try {
      in >> j;
      process = ParseProcess(j);
    } catch (const nlohmann::json::exception& e) {
      FailDetail("exec", std::string("invalid process.json: ") + e.what());
    }
    if (!args.config.empty()) seccomp = LoadSpec(args.config, "/").seccomp;
  }

  int sync[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) != 0) Fail("monitor", "socketpair");
  Pipes pipes;
  if (!process.terminal && !args.handOff) pipes = MakePipes(args.keepStdin);

  InitContext ctx;
  ctx.spec = create ? &spec : nullptr;
  ctx.process = &process;
  ctx.syncFd = sync[1];
  ctx.statusFd = kStatusFd;
  // Handing off, the process keeps the stdio the monitor was given (the engine's): none to connect.
  if (!args.handOff) ctx.stdio = {pipes.in[0], pipes.out[1], pipes.err[1]};
  ctx.seccomp = seccomp ? &*seccomp : nullptr;
  ctx.seccompCacheDir = args.seccompCache;

  int flags = SIGCHLD;
  if (create) {
    JoinPidNamespace(spec);
    flags |= CloneFlags(spec);
    for (auto& n : spec.namespaces) ctx.newCgroupNs = ctx.newCgroupNs || (n.type == "cgroup" && n.path.empty());
  } else {
    int pidNs = -1;
    ctx.joinFds = TargetNamespaces(args.targetPid, pidNs);
    if (pidNs >= 0 && setns(pidNs, CLONE_NEWPID) != 0) Fail("exec", "setns", "pid namespace");
  }

  CgroupJoinPlan cgroups = PlanCgroupJoin(args.cgroupProcs, !(flags & CLONE_NEWUSER));
  ctx.ownCgroupTasks = cgroups.ownTasksFiles;
  auto initMain = create ? ContainerInitMain : ExecInitMain;
  pid_t child = CloneIntoCgroup(cgroups, flags);
  if (child == 0) _exit(initMain(&ctx));  // never returns: execve, or _exit on error
  std::vector<char> stack(kStackSize);
  if (child < 0) child = clone(initMain, stack.data() + stack.size(), flags, &ctx);
  if (child < 0) Fail("create process", "clone");
  close(sync[1]);
  for (int fd : {pipes.in[0], pipes.out[1], pipes.err[1]})
    if (fd >= 0) close(fd);

  auto abandon = [&](const SetupError& e) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    throw e;
  };
  try {
    JoinCgroups(child, cgroups.monitorProcs);
    if (create && HasNamespace(spec, "user")) WriteIdMappings(child, spec);
  } catch (const SetupError& e) {
    abandon(e);
  }
  SendSync(sync[0], SyncKind::Go);

  int ptyMaster = -1;
  if (process.terminal) {
    SyncMessage m{SyncKind::Go, ""};
    ptyMaster = ReceiveFd(sync[0], m);
    if (ptyMaster < 0) {
      if (m.kind == SyncKind::Error) {
        waitpid(child, nullptr, 0);
        ReportStatus("{\"error\":" + m.payload + "}");
        return 1;
      }
      abandon(SetupError{"terminal", "recvmsg", "", errno, "no terminal from the container"});
    }
    if (!process.consoleSocket.empty()) {
      try {
        SendConsole(process.consoleSocket, ptyMaster);
      } catch (const SetupError& e) {
        abandon(e);
      }
      close(ptyMaster);
      ptyMaster = -1;  // the caller owns the terminal now; the loop relays nothing
    }
  }
  SyncMessage m;
  int listenFd = -1;
  std::string attachPath = args.state + "/attach.sock";
  try {
    listenFd = ListenAttachSocket(attachPath);
  } catch (const SetupError& e) {
    abandon(e);
  }
  if (!ReceiveSync(sync[0], m) || m.kind != SyncKind::Created) {
    waitpid(child, nullptr, 0);
    unlink(attachPath.c_str());
    ReportStatus(m.kind == SyncKind::Error ? "{\"error\":" + m.payload + "}"
                                           : std::string("{\"error\":{\"step\":\"create\",\"message\":\"the container's init exited during set-up\"}}"));
    return 1;
  }
  ReportStatus("{\"pid\":" + std::to_string(child) + ",\"monitor\":" + std::to_string(getpid()) + "}");

  LoopConfig loop;
  loop.child = child;
  loop.syncFd = sync[0];
  loop.terminal = process.terminal;
  loop.stdinFd = process.terminal ? ptyMaster : pipes.in[1];
  loop.stdoutFd = process.terminal ? ptyMaster : pipes.out[0];
  loop.stderrFd = process.terminal ? -1 : pipes.err[0];
  loop.logPath = args.log;
  loop.listenFd = listenFd;
  loop.attachPath = attachPath;
  loop.exitPath = args.state + "/exit.json";
  loop.handOff = args.handOff;
  return RunEventLoop(loop);
}

}  // namespace

int main(int argc, char** argv) {
  if (!RunningSealed()) {
    // Detach first: the process that was started exits at once (its starter reaps it), and the
    // monitor runs on in its child, which nobody has to reap when it ends. Then re-execute from
    // the sealed copy (same PID).
    pid_t first = fork();
    if (first < 0) {
      ReportStatus("{\"error\":{\"step\":\"monitor\",\"syscall\":\"fork\",\"message\":\"cannot start the monitor\"}}");
      return 1;
    }
    if (first > 0) _exit(0);
    ReexecSealed(argv);  // returns only if it cannot: the monitor then runs on unsealed
  }
  // Stray terminal or job-control signals must not take the monitor (and the exit status) away.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  try {
    return Run(argc, argv);
  } catch (const SetupError& e) {
    ReportStatus("{\"error\":" + e.Json() + "}");
    return 1;
  }
}
