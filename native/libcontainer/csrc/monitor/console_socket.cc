#include "monitor/console_socket.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "monitor/setup_error.h"
#include "monitor/sync_channel.h"

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
  if (!SendFd(sock, master, name)) {
    int err = errno;
    close(sock);
    Fail("console socket", "sendmsg", path, err);
  }
  close(sock);
}
}  // namespace berth
