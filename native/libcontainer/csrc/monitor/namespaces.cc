#include "monitor/namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <map>

#include "common/fd.h"
#include "monitor/setup_error.h"

namespace berth {

int NamespaceFlag(const std::string& type) {
  static const std::map<std::string, int> table = {
      {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},       {"ipc", CLONE_NEWIPC},
      {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
  };
  auto it = table.find(type);
  if (it == table.end()) FailDetail("namespaces", "unknown namespace type " + type);
  return it->second;
}

int CloneFlags(const Spec& spec) {
  int flags = 0;
  for (auto& n : spec.namespaces)
    if (n.path.empty() && n.type != "cgroup") flags |= NamespaceFlag(n.type);
  return flags;
}

static void Join(const Namespace& n) {
  Fd fd(open(n.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) Fail("join " + n.type + " namespace", "open", n.path);
  if (setns(fd.get(), NamespaceFlag(n.type)) != 0) Fail("join " + n.type + " namespace", "setns", n.path);
}

void JoinNamespaces(const Spec& spec) {
  for (auto& n : spec.namespaces)
    if (!n.path.empty() && n.type == "user") Join(n);
  for (auto& n : spec.namespaces)
    if (!n.path.empty() && n.type != "user" && n.type != "pid") Join(n);
}

void JoinPidNamespace(const Spec& spec) {
  for (auto& n : spec.namespaces)
    if (!n.path.empty() && n.type == "pid") Join(n);
}

static void WriteMap(pid_t pid, const char* file, const std::vector<IdMapping>& maps) {
  if (maps.empty()) return;
  std::string content;
  for (auto& m : maps) content += std::to_string(m.containerId) + " " + std::to_string(m.hostId) + " " + std::to_string(m.size) + "\n";
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) Fail("user namespace mappings", "open", path);
  // The kernel wants the whole map in one write.
  if (write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
    Fail("user namespace mappings", "write", path);
}

void WriteIdMappings(pid_t pid, const Spec& spec) {
  WriteMap(pid, "uid_map", spec.uidMappings);
  WriteMap(pid, "gid_map", spec.gidMappings);
}
}  // namespace berth
