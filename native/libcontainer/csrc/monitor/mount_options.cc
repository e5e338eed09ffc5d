#include "monitor/mount_options.h"

#include <sys/mount.h>

#include <map>

namespace berth {
namespace {
struct Flag {
  bool clear;
  unsigned long flag;
};
const std::map<std::string, Flag>& FlagTable() {
  static const std::map<std::string, Flag> table = {
      {"ro", {false, MS_RDONLY}},         {"rw", {true, MS_RDONLY}},
      {"nosuid", {false, MS_NOSUID}},     {"suid", {true, MS_NOSUID}},
      {"nodev", {false, MS_NODEV}},       {"dev", {true, MS_NODEV}},
      {"noexec", {false, MS_NOEXEC}},     {"exec", {true, MS_NOEXEC}},
      {"sync", {false, MS_SYNCHRONOUS}},  {"async", {true, MS_SYNCHRONOUS}},
      {"dirsync", {false, MS_DIRSYNC}},   {"remount", {false, MS_REMOUNT}},
      {"mand", {false, MS_MANDLOCK}},     {"nomand", {true, MS_MANDLOCK}},
      {"atime", {true, MS_NOATIME}},      {"noatime", {false, MS_NOATIME}},
      {"diratime", {true, MS_NODIRATIME}}, {"nodiratime", {false, MS_NODIRATIME}},
      {"relatime", {false, MS_RELATIME}}, {"norelatime", {true, MS_RELATIME}},
      {"strictatime", {false, MS_STRICTATIME}}, {"nostrictatime", {true, MS_STRICTATIME}},
      {"silent", {false, MS_SILENT}},     {"loud", {true, MS_SILENT}},
  };
  return table;
}
}  // namespace

unsigned long PropagationFlags(const std::string& name) {
  static const std::map<std::string, unsigned long> table = {
      {"private", MS_PRIVATE},           {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
      {"rshared", MS_SHARED | MS_REC},   {"slave", MS_SLAVE},               {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE},     {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  auto it = table.find(name);
  return it == table.end() ? 0 : it->second;
}

MountOptions ParseMountOptions(const std::vector<std::string>& options) {
  MountOptions out;
  for (auto& o : options) {
    if (o == "bind" || o == "rbind") {
      out.bind = true;
      out.recursive = out.recursive || o == "rbind";
    } else if (auto it = FlagTable().find(o); it != FlagTable().end()) {
      if (it->second.clear) {
        out.flags &= ~it->second.flag;
        out.clearFlags |= it->second.flag;
      } else {
        out.flags |= it->second.flag;
      }
    } else if (unsigned long p = PropagationFlags(o); p != 0) {
      out.propagation |= p;
    } else {
      if (!out.data.empty()) out.data += ",";
      out.data += o;
    }
  }
  return out;
}
}  // namespace berth
