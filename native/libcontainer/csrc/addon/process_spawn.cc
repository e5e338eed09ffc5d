// Starting the monitor with posix_spawn: glibc's is a vfork (the pages of a large Node process
// are not copied), where Node's child_process forks the whole process. The monitor detaches
// itself (it forks and its first process exits at once), so what is reaped here is that first
// process only, and nothing is left for Node to reap later. And execve of this process itself.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "addon/errors.h"
#include "addon/register.h"
#include "common/sealed_copy.h"

extern char** environ;

namespace berth {
namespace {

// spawnDetached(path, args, [stdin, stdout, stderr]) → { pid, reportFd }: the program runs in a
// session of its own with those descriptors as 0-2 and the write end of a new pipe as 3; the
// read end (close-on-exec) is returned.
Napi::Value SpawnDetached(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  Napi::Array jsArgs = info[1].As<Napi::Array>();
  Napi::Array jsStdio = info[2].As<Napi::Array>();
  std::vector<std::string> args{path};
  for (uint32_t i = 0; i < jsArgs.Length(); i++) args.push_back(jsArgs.Get(i).As<Napi::String>());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    SyscallError(env, "pipe2", errno).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (uint32_t i = 0; i < 3; i++) {
    int fd = jsStdio.Get(i).As<Napi::Number>().Int32Value();
    posix_spawn_file_actions_adddup2(&actions, fd, static_cast<int>(i));
  }
  posix_spawn_file_actions_adddup2(&actions, report[1], 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);  // Node ignores SIGPIPE; the program must not inherit that
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int err = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(report[1]);
  if (err != 0) {
    close(report[0]);
    SyscallError(env, "posix_spawn", err, path).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("reportFd", Napi::Number::New(env, report[0]));
  return out;
}

// reapDetached(pid): waits for the spawned process, which exits as soon as it has detached.
Napi::Value ReapDetached(const Napi::CallbackInfo& info) {
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return Napi::Number::New(info.Env(), WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

// execReplace(path, args, sealed): this process becomes the program (execve, same PID); returns
// only by throwing. With `sealed` it runs from a sealed memfd copy (common/sealed_copy.h), so the
// monitor need not copy and re-execute itself. The program starts with default signal
// dispositions (Node ignores SIGPIPE) and every signal blocked, so that none arriving before it
// has set up its own handling is lost or ends it; it sets its mask itself. It keeps this
// process's stdio.
Napi::Value ExecReplace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  bool sealed = info.Length() > 2 && info[2].ToBoolean();
  int copy = -1;
  if (sealed) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      copy = SealedCopy(fd);
      close(fd);
    }
    if (copy < 0) {
      SyscallError(env, "memfd_create", errno, path).ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  Napi::Array jsArgs = info[1].As<Napi::Array>();
  std::vector<std::string> args{path};
  for (uint32_t i = 0; i < jsArgs.Length(); i++) args.push_back(jsArgs.Get(i).As<Napi::String>());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  struct sigaction dfl{}, old[NSIG];
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, &old[sig]);
  // Node marks its stdio close-on-exec (uv_disable_stdio_inheritance): the program keeps it.
  int stdioFlags[3];
  for (int fd = 0; fd < 3; fd++) {
    stdioFlags[fd] = fcntl(fd, F_GETFD);
    if (stdioFlags[fd] >= 0) fcntl(fd, F_SETFD, stdioFlags[fd] & ~FD_CLOEXEC);
  }
  if (copy >= 0) fexecve(copy, argv.data(), environ);
  else execv(path.c_str(), argv.data());
  int err = errno;
  for (int fd = 0; fd < 3; fd++)
    if (stdioFlags[fd] >= 0) fcntl(fd, F_SETFD, stdioFlags[fd]);
  if (copy >= 0) close(copy);
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &old[sig], nullptr);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  SyscallError(env, "execve", err, path).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

void RegisterProcessSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnDetached", Napi::Function::New(env, SpawnDetached));
  exports.Set("reapDetached", Napi::Function::New(env, ReapDetached));
  exports.Set("execReplace", Napi::Function::New(env, ExecReplace));
}

}  // namespace berth
