// Process handles without PID reuse races: pidfd_open, pidfd_send_signal, and an
// event-driven wait. Waiting uses one epoll thread for every pidfd; each wait resolves its
// promise through a thread-safe function, so nothing polls and the libuv pool stays free.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include "addon/errors.h"
#include "addon/register.h"

namespace berth {
namespace {

struct Waiter {
  Napi::ThreadSafeFunction tsfn;
};

class PidfdWatcher {
 public:
  static PidfdWatcher& Get() {
    static PidfdWatcher* instance = new PidfdWatcher();  // never destroyed: the thread outlives exit
    return *instance;
  }

  int Add(int pidfd, Napi::ThreadSafeFunction tsfn) {
    std::lock_guard<std::mutex> lock(mu_);
    waiters_[pidfd] = Waiter{tsfn};
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.fd = pidfd;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, pidfd, &ev) != 0) {
      int err = errno;
      waiters_.erase(pidfd);
      return err;
    }
    return 0;
  }

 private:
  PidfdWatcher() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    std::thread([this] { Loop(); }).detach();
  }

  void Loop() {
    epoll_event events[16];
    for (;;) {
      int n = epoll_wait(epfd_, events, 16, -1);
      if (n < 0) continue;  // EINTR
      for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        Napi::ThreadSafeFunction tsfn;
        {
          std::lock_guard<std::mutex> lock(mu_);
          auto it = waiters_.find(fd);
          if (it == waiters_.end()) continue;
          tsfn = it->second.tsfn;
          waiters_.erase(it);
          epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
        }
        tsfn.BlockingCall();
        tsfn.Release();
      }
    }
  }

  int epfd_;
  std::mutex mu_;
  std::map<int, Waiter> waiters_;
};

Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) throw SyscallError(env, "pidfd_open", errno, std::to_string(pid));
  return Napi::Number::New(env, fd);
}

Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int sig = info[1].As<Napi::Number>().Int32Value();
  if (syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) != 0) throw SyscallError(env, "pidfd_send_signal", errno);
  return env.Undefined();
}

// pidfdWait(fd): a promise that resolves once the process has exited. The fd stays open;
// the caller closes it.
Napi::Value PidfdWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
  auto resolve = Napi::Function::New(env, [deferred](const Napi::CallbackInfo& i) {
    deferred->Resolve(i.Env().Undefined());
  });
  auto tsfn = Napi::ThreadSafeFunction::New(env, resolve, "berth:pidfdWait", 0, 1);
  int err = PidfdWatcher::Get().Add(fd, tsfn);
  if (err != 0) {
    tsfn.Release();
    deferred->Reject(SyscallError(env, "epoll_ctl", err).Value());
  }
  return deferred->Promise();
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

}  // namespace

void RegisterProcess(Napi::Env env, Napi::Object exports) {
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal));
  exports.Set("pidfdWait", Napi::Function::New(env, PidfdWait));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
}

}  // namespace berth
