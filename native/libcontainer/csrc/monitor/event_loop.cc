#include "monitor/event_loop.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <vector>
#include <map>
#include <nlohmann/json.hpp>

#include "monitor/frames.h"
#include "monitor/json_log.h"
#include "monitor/setup_error.h"
#include "monitor/sync_channel.h"

namespace berth {
namespace {

constexpr size_t kClientBufferLimit = 4 * 1024 * 1024;

struct Client {
  std::string in, out;
};

class Loop {
 public:
  explicit Loop(const LoopConfig& c) : c_(c) {}

  int Run() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    for (int sig : c_.forwardSignals) sigaddset(&mask, sig);
    sigfd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    Watch(sigfd_, EPOLLIN);
    if (!c_.logPath.empty()) log_.Open(c_.logPath, c_.logRotation);
    listen_ = c_.listenFd;
    Watch(listen_, EPOLLIN);
    Nonblock(c_.stdoutFd);
    Watch(c_.stdoutFd, EPOLLIN);
    if (!c_.terminal && c_.stderrFd >= 0) {
      Nonblock(c_.stderrFd);
      Watch(c_.stderrFd, EPOLLIN);
    }
    Watch(c_.syncFd, EPOLLIN);
    if (c_.startAtOnce) Start(-1);
    Reap();  // the process may already be gone
    while (!exited_ && !(c_.handOff && started_)) {
      epoll_event events[32];
      int n = epoll_wait(epfd_, events, 32, -1);
      for (int i = 0; i < n; i++) Handle(events[i]);
    }
    if (!exited_) {  // handed off: the process runs on under the caller's reaper
      FlushClients();
      unlink(c_.attachPath.c_str());
      return 0;
    }
    Drain(c_.stdoutFd, "stdout");
    if (!c_.terminal) Drain(c_.stderrFd, "stderr");
    log_.Flush();
    if (c_.waitStatus) *c_.waitStatus = status_;
    // The foreground monitor's caller has the status from its exit, and the state goes with it.
    std::string status = c_.exitPath.empty() ? std::string() : WriteExitStatus();
    Broadcast(frame::kExit, status.data(), status.size());
    FlushClients();
    unlink(c_.attachPath.c_str());
    return 0;
  }

 private:
  void Watch(int fd, uint32_t events) {
    if (fd < 0) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  }
  static void Nonblock(int fd) {
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  void Handle(const epoll_event& ev) {
    int fd = ev.data.fd;
    if (fd == sigfd_) {
      signalfd_siginfo info;
      while (read(sigfd_, &info, sizeof(info)) == sizeof(info)) {
        if (info.ssi_signo != SIGCHLD && !exited_) kill(c_.child, static_cast<int>(info.ssi_signo));
      }
      Reap();
    } else if (fd == listen_) {
      for (;;) {
        int client = accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (client < 0) break;
        clients_[client] = Client{};
        Watch(client, EPOLLIN | EPOLLRDHUP);
        if (started_) Send(client, frame::kStarted, "", 0);
      }
    } else if (fd == c_.stdoutFd) {
      Pump(fd, "stdout", frame::kStdout);
    } else if (fd == c_.stderrFd) {
      Pump(fd, "stderr", frame::kStderr);
    } else if (fd == c_.syncFd) {
      // EOF: the init has closed its descriptors to exec the program.
      char buf[64];
      ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN)) {
        epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
        if (startRequested_ && !started_) {
          started_ = true;
          Broadcast(frame::kStarted, "", 0);
        }
      }
    } else if (clients_.count(fd)) {
      if (ev.events & EPOLLOUT) FlushClient(fd);
      // Flushing may have dropped the client; never touch an fd we no longer own.
      if (clients_.count(fd) && (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) ReadClient(fd);
    }
  }

  void Pump(int fd, const char* stream, uint8_t type) {
    char buf[65536];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n > 0) {
        log_.Write(stream, buf, n);
        Broadcast(type, buf, n);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
      return;
    }
  }

  // After the process exits: whatever is still buffered in the pipe or pty.
  void Drain(int fd, const char* stream) {
    if (fd < 0) return;
    char buf[65536];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) return;
      log_.Write(stream, buf, n);
      Broadcast(std::strcmp(stream, "stderr") == 0 ? frame::kStderr : frame::kStdout, buf, n);
    }
  }

  void ReadClient(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& cl = it->second;
    char buf[65536];
    bool closed = false;  // frames sent just before the client closed (a resize, then EOF) still count
    for (;;) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n > 0) {
        cl.in.append(buf, n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || errno != EAGAIN) closed = true;
      break;
    }
    while (cl.in.size() >= 5) {
      uint32_t len = (uint8_t(cl.in[1]) << 24) | (uint8_t(cl.in[2]) << 16) | (uint8_t(cl.in[3]) << 8) | uint8_t(cl.in[4]);
      if (cl.in.size() < 5 + len) break;
      uint8_t type = cl.in[0];
      std::string payload = cl.in.substr(5, len);
      cl.in.erase(0, 5 + len);
      Command(fd, type, payload);
      if (!clients_.count(fd)) return;
    }
    if (closed) Drop(fd);
  }

  void Command(int fd, uint8_t type, const std::string& payload) {
    switch (type) {
      case frame::kStdin:
        WriteAll(c_.stdinFd, payload);
        break;
      case frame::kStdinClose:
        if (!c_.terminal && c_.stdinFd >= 0) {
          close(c_.stdinFd);
          c_.stdinFd = -1;
        }
        break;
      case frame::kResize:
        if (c_.terminal && payload.size() == 4) {
          winsize ws{};
          ws.ws_row = (uint8_t(payload[0]) << 8) | uint8_t(payload[1]);
          ws.ws_col = (uint8_t(payload[2]) << 8) | uint8_t(payload[3]);
          ioctl(c_.stdoutFd, TIOCSWINSZ, &ws);
        }
        break;
      case frame::kStart:
        Start(fd);
        break;
    }
  }

  void Start(int requester) {
    if (startRequested_) {
      if (started_ && requester >= 0) Send(requester, frame::kStarted, "", 0);
      return;
    }
    startRequested_ = true;
    if (!SendSync(c_.syncFd, SyncKind::Start) && requester >= 0) {
      std::string msg = "the container's process is gone";
      Send(requester, frame::kError, msg.data(), msg.size());
    }
  }

  static void WriteAll(int fd, const std::string& data) {
    if (fd < 0) return;
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the process closed its stdin
      p += n;
      left -= n;
    }
  }

  void Send(int fd, uint8_t type, const char* data, size_t len) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    bool idle = it->second.out.empty();
    it->second.out += frame::Encode(type, data, len);
    if (it->second.out.size() > kClientBufferLimit) {
      Drop(fd);  // a client that does not read must not stall the container
      return;
    }
    if (idle) FlushClient(fd);
  }

  void Broadcast(uint8_t type, const char* data, size_t len) {
    std::vector<int> fds;
    for (auto& [fd, _] : clients_) fds.push_back(fd);
    for (int fd : fds) Send(fd, type, data, len);
  }

  void FlushClient(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& cl = it->second;
    while (!cl.out.empty()) {
      ssize_t n = send(fd, cl.out.data(), cl.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        cl.out.erase(0, n);
        continue;
      }
      if (n < 0 && errno == EAGAIN) break;
      Drop(fd);
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (cl.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
    ev.data.fd = fd;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
  }

  // At exit: give clients their last frames, waiting briefly for slow readers.
  void FlushClients() {
    for (auto& [fd, cl] : clients_) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      timeval tv{2, 0};
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      while (!cl.out.empty()) {
        ssize_t n = send(fd, cl.out.data(), cl.out.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        cl.out.erase(0, n);
      }
      shutdown(fd, SHUT_WR);
    }
    AwaitClientsClose();
  }

  // Closing a socket with unread input resets the connection, and the client then loses the
  // frames still queued for it (a late StdinClose raced the exit this way). So read and drop
  // whatever clients still send until they close (they do on our EOF), for at most a second.
  void AwaitClientsClose() {
    timespec start{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
      std::vector<pollfd> fds;
      for (auto& [fd, _] : clients_) fds.push_back({fd, POLLIN, 0});
      if (fds.empty()) return;
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      long left = 1000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
      if (left <= 0 || poll(fds.data(), fds.size(), static_cast<int>(left)) <= 0) return;
      for (auto& p : fds) {
        if (!p.revents) continue;
        char buf[65536];
        ssize_t n = recv(p.fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) Drop(p.fd);
      }
    }
  }

  void Drop(int fd) {
    if (!clients_.count(fd)) return;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    clients_.erase(fd);
  }

  void Reap() {
    if (c_.handOff) {
      // Handing off, the exit is the caller's reaper's to collect: look, but leave the zombie,
      // which is reparented to that reaper when the monitor leaves (as runc leaves it).
      siginfo_t info{};
      if (waitid(P_PID, c_.child, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != c_.child) return;
      exited_ = true;
      status_ = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : info.si_status & 0x7f;
      return;
    }
    int status;
    pid_t r = waitpid(c_.child, &status, WNOHANG);
    if (r != c_.child) return;
    exited_ = true;
    status_ = status;
  }

  std::string WriteExitStatus() {
    nlohmann::json j;
    if (WIFEXITED(status_)) {
      j["exitCode"] = WEXITSTATUS(status_);
      j["signal"] = nullptr;
    } else {
      int sig = WTERMSIG(status_);
      j["exitCode"] = 128 + sig;
      j["signal"] = sig;
    }
    j["started"] = started_;
    j["finishedAt"] = Rfc3339Nano();
    std::string text = j.dump();
    // Temp file, fsync, rename: a reader sees no status or the whole status.
    std::string tmp = c_.exitPath + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      WriteAll(fd, text);
      fsync(fd);
      close(fd);
      rename(tmp.c_str(), c_.exitPath.c_str());
    }
    return text;
  }

  LoopConfig c_;
  int epfd_ = -1, sigfd_ = -1, listen_ = -1;
  std::map<int, Client> clients_;
  JsonLog log_;
  bool startRequested_ = false, started_ = false, exited_ = false;
  int status_ = 0;
};

}  // namespace

int ListenAttachSocket(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path))
    FailDetail("attach socket", path + " is longer than a Unix socket path may be (" + std::to_string(sizeof(addr.sun_path) - 1) + ")");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) Fail("attach socket", "socket");
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Fail("attach socket", "bind", path);
  if (chmod(path.c_str(), 0600) != 0) Fail("attach socket", "chmod", path);
  if (listen(fd, 16) != 0) Fail("attach socket", "listen", path);
  return fd;
}

int RunEventLoop(const LoopConfig& config) { return Loop(config).Run(); }
}  // namespace berth
