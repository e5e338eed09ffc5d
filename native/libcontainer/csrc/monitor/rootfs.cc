#include "monitor/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>


#include "monitor/in_root.h"
#include "monitor/mount_options.h"
#include "monitor/read_file.h"
#include "monitor/setup_error.h"

namespace berth {
namespace {

void DoMount(const std::string& step, const char* source, const std::string& target, const char* type, unsigned long flags,
           const char* data) {
  if (mount(source, target.c_str(), type, flags, data) != 0) Fail(step, "mount", target);
}

// Flags a read-only remount of a bind mount must keep: the kernel refuses to drop locked
// ones (nosuid, nodev, noexec, atime flags) in a user namespace.
unsigned long LockedFlags(const std::string& path) {
  struct statvfs st{};
  if (statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

// The cgroup hierarchies this process sees, from /proc/self/cgroup: "" for cgroup2, else
// the controller list (e.g. "cpu,cpuacct", "name=systemd").
std::vector<std::string> CgroupHierarchies() {
  std::vector<std::string> out;
  std::string text;
  ReadFile("/proc/self/cgroup", text);
  for (const auto& line : SplitText(text, '\n')) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back(line.substr(a + 1, b - a - 1));
  }
  return out;
}

// A cgroup mount: cgroup2 on v2 hosts; on v1 and hybrid hosts a tmpfs with one mount per
// hierarchy, each showing the container's own cgroup as its root (cgroup namespace).
void MountCgroups(int rootFd, const Mount& m, const MountOptions& opts) {
  Fd target = OpenInRoot(rootFd, m.destination, true, false);
  auto hierarchies = CgroupHierarchies();
  bool v2only = hierarchies.size() == 1 && hierarchies[0].empty();
  if (v2only) {
    DoMount("mount cgroup2", "cgroup2", FdPath(target.get()), "cgroup2", opts.flags, nullptr);
    return;
  }
  DoMount("mount cgroup tmpfs", "tmpfs", FdPath(target.get()), "tmpfs", opts.flags & ~MS_RDONLY, "mode=755");
  for (auto& h : hierarchies) {
    std::string name = h.empty() ? "unified" : (h.rfind("name=", 0) == 0 ? h.substr(5) : h);
    Fd dir = OpenInRoot(rootFd, m.destination + "/" + name, true, false);
    if (h.empty())
      DoMount("mount cgroup2", "cgroup2", FdPath(dir.get()), "cgroup2", opts.flags, nullptr);
    else
      DoMount("mount cgroup " + h, "cgroup", FdPath(dir.get()), "cgroup", opts.flags, (h.rfind("name=", 0) == 0 ? "none," + h : h).c_str());
    // Combined hierarchies get their single names as links, as on the host (cpu -> cpu,cpuacct).
    if (h.find(',') != std::string::npos && h.rfind("name=", 0) != 0) {
      Fd parent = OpenInRoot(rootFd, m.destination, false, false);
      for (const auto& part : SplitText(h, ',')) symlinkat(h.c_str(), parent.get(), part.c_str());
    }
  }
  if (opts.flags & MS_RDONLY) {
    Fd mounted = OpenInRoot(rootFd, m.destination, false, false);  // the tmpfs, not what it covers
    std::string path = FdPath(mounted.get());
    DoMount("read-only cgroup tmpfs", nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | LockedFlags(path), nullptr);
  }
}

void MountOne(int rootFd, const Mount& m) {
  MountOptions opts = ParseMountOptions(m.options);
  std::string step = "mount " + m.destination;
  if (m.type == "cgroup" || m.type == "cgroup2") {
    MountCgroups(rootFd, m, opts);
    return;
  }
  bool bind = opts.bind || m.type == "bind";
  bool isFile = false;
  if (bind) {
    struct stat st{};
    if (stat(m.source.c_str(), &st) != 0) Fail(step, "stat", m.source);
    isFile = !S_ISDIR(st.st_mode);
  }
  Fd target = OpenInRoot(rootFd, m.destination, true, isFile);
  std::string path = FdPath(target.get());
  if (bind) {
    DoMount(step, m.source.c_str(), path, nullptr, MS_BIND | (opts.recursive ? MS_REC : 0), nullptr);
    // Bind mounts take their flags only on a remount; reopen the target to get the new mount.
    unsigned long wanted = opts.flags & ~(MS_REMOUNT);
    if (wanted != 0) {
      Fd mounted = OpenInRoot(rootFd, m.destination, false, false);
      DoMount(step + " (remount)", nullptr, FdPath(mounted.get()), nullptr,
            MS_REMOUNT | MS_BIND | wanted | (LockedFlags(FdPath(mounted.get())) & ~opts.clearFlags), nullptr);
    }
  } else {
    DoMount(step, m.source.empty() ? m.type.c_str() : m.source.c_str(), path, m.type.c_str(), opts.flags,
          opts.data.empty() ? nullptr : opts.data.c_str());
  }
  if (opts.propagation != 0) {
    Fd mounted = OpenInRoot(rootFd, m.destination, false, false);
    DoMount(step + " (propagation)", nullptr, FdPath(mounted.get()), nullptr, opts.propagation, nullptr);
  }
}

struct DefaultDevice {
  const char* path;
  int major, minor;
};
constexpr DefaultDevice kDefaultDevices[] = {
    {"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

// mknod when allowed; in a user namespace (EPERM) bind-mount the host's node instead.
void CreateDevice(int rootFd, const Device& d, bool inUserNs) {
  std::string step = "create device " + d.path;
  mode_t type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
  auto slash = d.path.rfind('/');
  Fd dir = OpenInRoot(rootFd, d.path.substr(0, slash), true, false);
  std::string name = d.path.substr(slash + 1);
  unlinkat(dir.get(), name.c_str(), 0);
  if (!inUserNs && mknodat(dir.get(), name.c_str(), type | (d.fileMode & 07777), makedev(d.major, d.minor)) == 0) {
    if (fchownat(dir.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) != 0) Fail(step, "fchownat", d.path);
    if (fchmodat(dir.get(), name.c_str(), d.fileMode & 07777, 0) != 0) Fail(step, "fchmodat", d.path);
    return;
  }
  if (!inUserNs && errno != EPERM) Fail(step, "mknodat", d.path);
  Fd target = OpenInRoot(rootFd, d.path, true, true);
  DoMount(step, d.path.c_str(), FdPath(target.get()), nullptr, MS_BIND, nullptr);
}

void CreateDevLinks(int rootFd, bool hasPts) {
  Fd dev = OpenInRoot(rootFd, "/dev", true, false);
  const std::pair<const char*, const char*> links[] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
  for (auto& [target, name] : links)
    if (symlinkat(target, dev.get(), name) != 0 && errno != EEXIST) Fail("create /dev links", "symlinkat", std::string("/dev/") + name);
  if (hasPts) {
    unlinkat(dev.get(), "ptmx", 0);
    if (symlinkat("pts/ptmx", dev.get(), "ptmx") != 0) Fail("create /dev links", "symlinkat", "/dev/ptmx");
  }
}

void PivotRoot(const std::string& root) {
  if (chdir(root.c_str()) != 0) Fail("pivot_root", "chdir", root);
  if (syscall(SYS_pivot_root, ".", ".") != 0) Fail("pivot_root", "pivot_root", root);
  // The old root is now stacked under ".": make it a slave so that unmounting it cannot
  // propagate to the host, then detach it.
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) Fail("pivot_root", "mount", "old root");
  if (umount2(".", MNT_DETACH) != 0) Fail("pivot_root", "umount2", "old root");
  if (chdir("/") != 0) Fail("pivot_root", "chdir", "/");
}

}  // namespace

void PrepareRootfs(const Spec& spec) {
  const std::string& root = spec.rootPath;
  unsigned long propagation = PropagationFlags(spec.rootfsPropagation.empty() ? "rslave" : spec.rootfsPropagation);
  if (mount(nullptr, "/", nullptr, propagation | MS_REC, nullptr) != 0) Fail("rootfs propagation", "mount", "/");
  // pivot_root needs the new root to be a mount point.
  DoMount("bind rootfs", root.c_str(), root, nullptr, MS_BIND | MS_REC, nullptr);
  Fd rootFd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd) Fail("open rootfs", "open", root);

  bool hasPts = false;
  for (auto& m : spec.mounts) {
    MountOne(rootFd.get(), m);
    hasPts = hasPts || m.destination == "/dev/pts";
  }
  bool inUserNs = HasNamespace(spec, "user");
  for (auto& d : kDefaultDevices) {
    bool listed = false;
    for (auto& sd : spec.devices) listed = listed || sd.path == d.path;
    if (!listed) CreateDevice(rootFd.get(), Device{d.path, "c", d.major, d.minor, 0666, 0, 0}, inUserNs);
  }
  for (auto& d : spec.devices) CreateDevice(rootFd.get(), d, inUserNs);
  CreateDevLinks(rootFd.get(), hasPts);
  rootFd.Reset();
  PivotRoot(root);
}

void FinishRootfs(const Spec& spec) {
  for (auto& p : spec.maskedPaths) {
    struct stat st{};
    if (lstat(p.c_str(), &st) != 0) continue;  // nothing to hide
    if (S_ISDIR(st.st_mode))
      DoMount("mask " + p, "tmpfs", p, "tmpfs", MS_RDONLY, nullptr);
    else
      DoMount("mask " + p, "/dev/null", p, nullptr, MS_BIND, nullptr);
  }
  for (auto& p : spec.readonlyPaths) {
    struct stat st{};
    if (lstat(p.c_str(), &st) != 0) continue;
    DoMount("read-only " + p, p.c_str(), p, nullptr, MS_BIND | MS_REC, nullptr);
    DoMount("read-only " + p, nullptr, p, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | LockedFlags(p), nullptr);
  }
  if (spec.rootReadonly)
    DoMount("read-only rootfs", nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | LockedFlags("/"), nullptr);
}
}  // namespace berth
