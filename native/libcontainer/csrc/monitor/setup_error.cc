#include "monitor/setup_error.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace berth {
std::string SetupError::Json() const {
  nlohmann::json j;
  j["step"] = step;
  if (!syscall.empty()) j["syscall"] = syscall;
  if (!path.empty()) j["path"] = path;
  if (err != 0) {
    j["errno"] = err;
    const char* name = strerrorname_np(err);
    j["code"] = name ? name : "EUNKNOWN";
  }
  std::string message = step;
  if (!syscall.empty()) message += ": " + syscall + " failed";
  if (!path.empty()) message += " (" + path + ")";
  if (err != 0) message += std::string(": ") + std::strerror(err);
  if (!detail.empty()) message += ": " + detail;
  j["message"] = message;
  return j.dump();
}
}  // namespace berth
