// Starting the monitor with posix_spawn: glibc's is a vfork (the pages of a large Node process
// are not copied), where Node's child_process forks the whole process. The monitor detaches
// itself (it forks and its first process exits at once), so what is reaped here is that first
// process only, and nothing is left for Node to reap later.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "addon/errors.h"
#include "addon/register.h"

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

}  // namespace

void RegisterProcessSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnDetached", Napi::Function::New(env, SpawnDetached));
  exports.Set("reapDetached", Napi::Function::New(env, ReapDetached));
}

}  // namespace berth
