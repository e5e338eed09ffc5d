#pragma once
// Messages between the monitor and the container's init over a socketpair. Each message is
// one datagram (SOCK_SEQPACKET): a one-byte kind and an optional payload.
#include <string>

namespace berth {

enum class SyncKind : char {
  Go = 'g',        // monitor → init: its part of the cgroup joins and id maps done; set up now
  Created = 'c',   // init → monitor: set up, waiting to exec
  Start = 's',     // monitor → init: execve now
  Error = 'e',     // init → monitor: payload is a SetupError as JSON
};

struct SyncMessage {
  SyncKind kind;
  std::string payload;
};

bool SendSync(int fd, SyncKind kind, const std::string& payload = "");
// False on EOF (the other side is gone) or error.
bool ReceiveSync(int fd, SyncMessage& out);

// Passing the pty master from the init (which opens it inside the container) to the monitor.
// `payload` travels with the fd (a pty's name for a console socket); it must not be empty.
bool SendFd(int sock, int fd, const std::string& payload = "f");
// The fd, or -1; then `other` holds any message that came instead (e.g. an Error).
int ReceiveFd(int sock, SyncMessage& other);
}  // namespace berth
