#pragma once
// The attach socket protocol (`<state>/attach.sock`, a Unix stream socket): frames of
// [1 byte type][4 bytes big-endian length][payload], both ways.
#include <cstdint>
#include <string>

namespace berth::frame {
// client → monitor
constexpr uint8_t kStdin = 0;
constexpr uint8_t kStdinClose = 1;
constexpr uint8_t kResize = 2;  // payload: rows u16 BE, cols u16 BE
constexpr uint8_t kStart = 3;
// monitor → client
constexpr uint8_t kStdout = 1;
constexpr uint8_t kStderr = 2;
constexpr uint8_t kExit = 3;     // payload: the exit status JSON
constexpr uint8_t kStarted = 4;
constexpr uint8_t kError = 5;    // payload: message

inline std::string Encode(uint8_t type, const char* data, size_t len) {
  std::string out(5, '\0');
  out[0] = static_cast<char>(type);
  out[1] = static_cast<char>((len >> 24) & 0xff);
  out[2] = static_cast<char>((len >> 16) & 0xff);
  out[3] = static_cast<char>((len >> 8) & 0xff);
  out[4] = static_cast<char>(len & 0xff);
  out.append(data, len);
  return out;
}
}  // namespace berth::frame
