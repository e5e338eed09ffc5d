#pragma once
#include <cstdint>

namespace berth {
// Inside the container (its /dev/pts mounted): opens a new pty, makes its peer the
// controlling terminal and stdio of this process, and returns the master fd, which the
// caller sends to the monitor.
int OpenContainerPty(uint16_t rows, uint16_t cols);
}  // namespace berth
