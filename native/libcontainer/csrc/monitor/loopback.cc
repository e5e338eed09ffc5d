#include "monitor/loopback.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "common/fd.h"

namespace berth {

void BringLoopbackUp() {
  Fd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return;
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0 || (req.ifr_flags & IFF_UP)) return;
  req.ifr_flags |= IFF_UP;
  (void)ioctl(sock.get(), SIOCSIFFLAGS, &req);
}
}  // namespace berth
