#pragma once
// runc's --console-socket: the pty master goes to the caller (an engine's shim or conmon)
// over a Unix socket, and the monitor keeps no copy, so that the caller alone reads it.
#include <string>

namespace berth {
// Connects to `path` (SOCK_STREAM), sends `master` with SCM_RIGHTS (payload: the pty's name,
// as runc does) and closes the connection. Throws SetupError.
void SendConsole(const std::string& path, int master);
}  // namespace berth
