#include "monitor/credentials.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "common/fd.h"
#include "monitor/setup_error.h"

namespace berth {
namespace {

int CapabilityNumber(const std::string& name) {
  static const std::map<std::string, int> table = {
      {"CAP_CHOWN", 0},           {"CAP_DAC_OVERRIDE", 1},   {"CAP_DAC_READ_SEARCH", 2}, {"CAP_FOWNER", 3},
      {"CAP_FSETID", 4},          {"CAP_KILL", 5},           {"CAP_SETGID", 6},          {"CAP_SETUID", 7},
      {"CAP_SETPCAP", 8},         {"CAP_LINUX_IMMUTABLE", 9}, {"CAP_NET_BIND_SERVICE", 10}, {"CAP_NET_BROADCAST", 11},
      {"CAP_NET_ADMIN", 12},      {"CAP_NET_RAW", 13},       {"CAP_IPC_LOCK", 14},       {"CAP_IPC_OWNER", 15},
      {"CAP_SYS_MODULE", 16},     {"CAP_SYS_RAWIO", 17},     {"CAP_SYS_CHROOT", 18},     {"CAP_SYS_PTRACE", 19},
      {"CAP_SYS_PACCT", 20},      {"CAP_SYS_ADMIN", 21},     {"CAP_SYS_BOOT", 22},       {"CAP_SYS_NICE", 23},
      {"CAP_SYS_RESOURCE", 24},   {"CAP_SYS_TIME", 25},      {"CAP_SYS_TTY_CONFIG", 26}, {"CAP_MKNOD", 27},
      {"CAP_LEASE", 28},          {"CAP_AUDIT_WRITE", 29},   {"CAP_AUDIT_CONTROL", 30},  {"CAP_SETFCAP", 31},
      {"CAP_MAC_OVERRIDE", 32},   {"CAP_MAC_ADMIN", 33},     {"CAP_SYSLOG", 34},         {"CAP_WAKE_ALARM", 35},
      {"CAP_BLOCK_SUSPEND", 36},  {"CAP_AUDIT_READ", 37},    {"CAP_PERFMON", 38},        {"CAP_BPF", 39},
      {"CAP_CHECKPOINT_RESTORE", 40},
  };
  auto it = table.find(name);
  if (it == table.end()) FailDetail("capabilities", "unknown capability " + name);
  return it->second;
}

uint64_t Mask(const std::vector<std::string>& names) {
  uint64_t mask = 0;
  for (auto& n : names) mask |= uint64_t(1) << CapabilityNumber(n);
  return mask;
}

int LastCap() {
  int last = CAP_LAST_CAP;
  Fd fd(open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC));
  char buf[16] = {};
  if (fd && read(fd.get(), buf, sizeof(buf) - 1) > 0) last = atoi(buf);
  return last;
}

void WriteProcFile(const std::string& step, const std::string& path, const std::string& value) {
  Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) Fail(step, "open", path);
  if (write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) Fail(step, "write", path);
}

}  // namespace

void ApplyLimits(const Process& p) {
  for (auto& r : p.rlimits) {
    rlimit lim{r.soft, r.hard};
    if (setrlimit(r.resource, &lim) != 0) Fail("rlimits", "setrlimit", std::to_string(r.resource));
  }
  if (p.oomScoreAdj) WriteProcFile("oom_score_adj", "/proc/self/oom_score_adj", std::to_string(*p.oomScoreAdj));
}

void ApplyNamespaceSettings(const Spec& spec, bool newUts) {
  if (newUts && !spec.hostname.empty() && sethostname(spec.hostname.data(), spec.hostname.size()) != 0)
    Fail("hostname", "sethostname", spec.hostname);
  if (newUts && !spec.domainname.empty() && setdomainname(spec.domainname.data(), spec.domainname.size()) != 0)
    Fail("domainname", "setdomainname", spec.domainname);
  for (auto& [key, value] : spec.sysctl) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    WriteProcFile("sysctl " + key, path, value);
  }
}

void ApplyCredentials(const Process& p) {
  if (setgroups(p.additionalGids.size(), reinterpret_cast<const gid_t*>(p.additionalGids.data())) != 0 && errno != EPERM)
    Fail("user", "setgroups");
  if (setresgid(p.gid, p.gid, p.gid) != 0) Fail("user", "setresgid", std::to_string(p.gid));
  if (p.capabilities) {
    const Capabilities& c = *p.capabilities;
    uint64_t bounding = Mask(c.bounding);
    int last = LastCap();
    for (int cap = 0; cap <= last; cap++)
      if (!(bounding & (uint64_t(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
        Fail("capabilities", "prctl(PR_CAPBSET_DROP)", std::to_string(cap));
    // Keep the permitted set across the uid change; capset below then sets exactly the spec's.
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) Fail("capabilities", "prctl(PR_SET_KEEPCAPS)");
  }
  if (setresuid(p.uid, p.uid, p.uid) != 0) Fail("user", "setresuid", std::to_string(p.uid));
  if (p.capabilities) {
    const Capabilities& c = *p.capabilities;
    uint64_t eff = Mask(c.effective), perm = Mask(c.permitted), inh = Mask(c.inheritable);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {
        {static_cast<uint32_t>(eff), static_cast<uint32_t>(perm), static_cast<uint32_t>(inh)},
        {static_cast<uint32_t>(eff >> 32), static_cast<uint32_t>(perm >> 32), static_cast<uint32_t>(inh >> 32)},
    };
    if (syscall(SYS_capset, &header, data) != 0) Fail("capabilities", "capset");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (auto& name : c.ambient)
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CapabilityNumber(name), 0, 0) != 0 && errno != EPERM)
        Fail("capabilities", "prctl(PR_CAP_AMBIENT_RAISE)", name);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }
  if (p.noNewPrivileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail("no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)");
  if (p.umask) umask(*p.umask);
}
}  // namespace berth
