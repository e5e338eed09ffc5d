// berth-monitor: creates a container (or an exec'd process in one), stays as its parent,
// relays its stdio and records its exit status. Started by @berth/libcontainer with fd 3
// open for the result: one JSON line, {"pid":N} or {"error":{…}}.
//
//   berth-monitor create --state DIR --bundle DIR [--config FILE] [--log FILE [--log-max-size BYTES]
//                        [--log-max-files N]] [--stdin]
//                        [--cgroup-procs FILE]... [--seccomp-cache DIR] [--hand-off]
//   berth-monitor exec   --state DIR --target-pid PID --process FILE [--config FILE]
//                        [--stdin] [--cgroup-procs FILE]... [--seccomp-cache DIR]
//   berth-monitor create --foreground --record FILE [--pid-file FILE] [--cleanup-cgroup DIR]...
//                        [--cleanup-tree DIR]... [--keep] [--error-log FILE [--error-log-format json|text]]
//                        (and create's options but --log, --stdin, --hand-off: see foreground.h)
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "monitor/cgroup_join.h"
#include "monitor/console_socket.h"
#include "monitor/event_loop.h"
#include "monitor/foreground.h"
#include "monitor/read_file.h"
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
  bool foreground = false;
  LogRotation logRotation;
  ForegroundPlan plan;
  std::vector<std::string> cgroupProcs;
};

// In the foreground, fd 3 is not a report pipe but whatever the caller had there.
bool g_foreground = false;
ForegroundPlan* g_plan = nullptr;

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
    else if (k == "--log-max-size") a.logRotation.maxSize = std::stoull(value());
    else if (k == "--log-max-files") a.logRotation.maxFiles = std::max(1, std::stoi(value()));
    else if (k == "--process") a.process = value();
    else if (k == "--target-pid") a.targetPid = std::stoi(value());
    else if (k == "--seccomp-cache") a.seccompCache = value();
    else if (k == "--stdin") a.keepStdin = true;
    else if (k == "--hand-off") a.handOff = true;
    else if (k == "--cgroup-procs") a.cgroupProcs.push_back(value());
    else if (k == "--foreground") a.foreground = true;
    else if (k == "--record") a.plan.recordTemplate = value();
    else if (k == "--pid-file") a.plan.pidFile = value();
    else if (k == "--cleanup-cgroup") a.plan.cgroupDirs.push_back(value());
    else if (k == "--cleanup-tree") a.plan.trees.push_back(value());
    else if (k == "--keep") a.plan.keep = true;
    else if (k == "--error-log") a.plan.errorLog = value();
    else if (k == "--error-log-format") a.plan.errorLogFormat = value();
    else FailDetail("arguments", "unknown argument " + k);
  }
  if (a.state.empty()) FailDetail("arguments", "--state is required");
  return a;
}

void ReportStatus(const std::string& line) {
  if (g_foreground) {
    // Only failures are told, as the CLI would tell them; success shows as the container running.
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (g_plan && j.is_object() && j.contains("error"))
      ReportForegroundError(*g_plan, j["error"].value("message", std::string("container set-up failed")));
    return;
  }
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

int Run(Args& args) {
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
    std::string text;
    if (!ReadFile(args.process, text)) Fail("exec", "open", args.process);
    try {
      process = ParseProcess(nlohmann::json::parse(text));
    } catch (const nlohmann::json::exception& e) {
      FailDetail("exec", std::string("invalid process.json: ") + e.what());
    }
    if (!args.config.empty()) seccomp = LoadSpec(args.config, "/").seccomp;
  }

  int sync[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) != 0) Fail("monitor", "socketpair");
  Pipes pipes;
  // In the foreground, as handing off, the process gets the monitor's own stdio.
  bool ownStdio = args.handOff || args.foreground;
  if (process.terminal && args.foreground) FailDetail("arguments", "--foreground has no terminal relay");
  if (!process.terminal && !ownStdio) pipes = MakePipes(args.keepStdin);

  InitContext ctx;
  ctx.spec = create ? &spec : nullptr;
  ctx.process = &process;
  ctx.syncFd = sync[1];
  ctx.statusFd = args.foreground ? -1 : kStatusFd;
  // Handing off, the process keeps the stdio the monitor was given (the engine's): none to connect.
  if (!ownStdio) ctx.stdio = {pipes.in[0], pipes.out[1], pipes.err[1]};
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
    // In the foreground there is nothing to attach to: the stdio is the caller's.
    if (!args.foreground) listenFd = ListenAttachSocket(attachPath);
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
  int waitStatus = 0;
  if (args.foreground) {
    WriteStateRecord(args.plan, args.state, child);
    WritePidFile(args.plan.pidFile, child);
  }

  LoopConfig loop;
  loop.child = child;
  loop.syncFd = sync[0];
  loop.terminal = process.terminal;
  loop.stdinFd = process.terminal ? ptyMaster : pipes.in[1];
  loop.stdoutFd = process.terminal ? ptyMaster : pipes.out[0];
  loop.stderrFd = process.terminal ? -1 : pipes.err[0];
  loop.logPath = args.log;
  loop.logRotation = args.logRotation;
  loop.listenFd = listenFd;
  loop.attachPath = attachPath;
  // Removed at the end in the foreground, the state dir needs no exit status then.
  if (!args.foreground || args.plan.keep) loop.exitPath = args.state + "/exit.json";
  loop.handOff = args.handOff;
  if (args.foreground) {
    loop.startAtOnce = true;
    loop.forwardSignals = ForwardedSignals();
    loop.waitStatus = &waitStatus;
  }
  int code = RunEventLoop(loop);
  if (!args.foreground) return code;
  if (!args.plan.keep) RemoveContainerRemains(args.plan);
  ExitLike(waitStatus);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) g_foreground = g_foreground || std::strcmp(argv[i], "--foreground") == 0;
  Args args;
  try {
    args = ParseArgs(argc, argv);
  } catch (const SetupError& e) {
    ReportStatus("{\"error\":" + e.Json() + "}");
    return 1;
  }
  g_plan = &args.plan;
  if (!RunningSealed()) {
    // Detach first: the process that was started exits at once (its starter reaps it), and the
    // monitor runs on in its child, which nobody has to reap when it ends. In the foreground the
    // caller waits for this very process: no detaching. Then re-execute from the sealed copy
    // (same PID).
    if (!args.foreground) {
      pid_t first = fork();
      if (first < 0) {
        ReportStatus("{\"error\":{\"step\":\"monitor\",\"syscall\":\"fork\",\"message\":\"cannot start the monitor\"}}");
        return 1;
      }
      if (first > 0) _exit(0);
    }
    ReexecSealed(argv);  // returns only if it cannot: the monitor then runs on unsealed
  }
  // Stray terminal or job-control signals must not take the monitor (and the exit status) away.
  // In the foreground they are blocked instead, and the event loop passes them on.
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  if (args.foreground) {
    for (int sig : ForwardedSignals()) sigaddset(&mask, sig);
  } else {
    for (int sig : {SIGHUP, SIGINT, SIGTERM}) signal(sig, SIG_IGN);
  }
  // SETMASK: started in the foreground, the monitor comes with every signal blocked (so none is
  // lost or kills it before this point), and keeps only these.
  sigprocmask(SIG_SETMASK, &mask, nullptr);
  int code;
  try {
    code = Run(args);
  } catch (const SetupError& e) {
    ReportStatus("{\"error\":" + e.Json() + "}");
    code = 1;
  }
  // Reached in the foreground only when set-up failed: nothing of the container may stay.
  if (args.foreground) RemoveContainerRemains(args.plan);
  return code;
}
