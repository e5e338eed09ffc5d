#include "monitor/console_socket.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "monitor/setup_error.h"

namespace berth {

void SendConsole(const std::string& path, int master) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) FailDetail("console socket", path + " is too long for a Unix socket path");
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) Fail("console socket", "socket");
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(sock);
    Fail("console socket", "connect", path, err);
  }
  char name[64] = "/dev/ptmx";
  ptsname_r(master, name, sizeof(name));
  iovec iov{name, std::strlen(name)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    int err = errno;
    close(sock);
    Fail("console socket", "sendmsg", path, err);
  }
  close(sock);
}
}  // namespace berth
