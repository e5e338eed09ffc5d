#include "monitor/pty.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "monitor/setup_error.h"

namespace berth {

int OpenContainerPty(uint16_t rows, uint16_t cols) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) Fail("terminal", "open", "/dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0) Fail("terminal", "ioctl(TIOCSPTLCK)");
  // TIOCGPTPEER opens the peer without a path lookup, so it is the pty just made.
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) Fail("terminal", "ioctl(TIOCGPTPEER)");
  if (rows && cols) {
    winsize ws{rows, cols, 0, 0};
    ioctl(slave, TIOCSWINSZ, &ws);
  }
  if (setsid() < 0 && errno != EPERM) Fail("terminal", "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) != 0) Fail("terminal", "ioctl(TIOCSCTTY)");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) Fail("terminal", "dup2");
  if (slave > 2) close(slave);
  return master;
}
}  // namespace berth
