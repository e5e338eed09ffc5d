#pragma once
// The parts of an OCI runtime config (config.json) the monitor acts on. Cgroup resources
// are applied by the TypeScript side; the monitor only joins the cgroup it is given.
#include <sys/resource.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth {

struct IdMapping {
  uint32_t containerId, hostId, size;
};

struct Namespace {
  std::string type;  // pid, network, mount, ipc, uts, user, cgroup, time
  std::string path;  // empty: create a new one
};

struct Mount {
  std::string destination, type, source;
  std::vector<std::string> options;
};

struct Device {
  std::string path, type;  // c, b, u, p
  int64_t major = 0, minor = 0;
  uint32_t fileMode = 0666, uid = 0, gid = 0;
};

struct Rlimit {
  int resource;
  rlim_t soft, hard;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct Process {
  bool terminal = false;
  uint16_t rows = 0, cols = 0;
  uint32_t uid = 0, gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additionalGids;
  std::vector<std::string> args, env;
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool noNewPrivileges = false;
  std::optional<int> oomScoreAdj;
  // Extension (`berthConsoleSocket`): send the pty master to this Unix socket (runc's
  // --console-socket) instead of relaying the terminal.
  std::string consoleSocket;
};

struct Spec {
  std::string rootPath;
  bool rootReadonly = false;
  std::string hostname, domainname;
  Process process;
  std::vector<Mount> mounts;
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uidMappings, gidMappings;
  std::vector<Device> devices;
  std::map<std::string, std::string> sysctl;
  std::vector<std::string> maskedPaths, readonlyPaths;
  std::string rootfsPropagation;
  std::optional<nlohmann::json> seccomp;
};

// Reads config.json (root.path resolved against bundleDir when relative). Throws SetupError.
Spec LoadSpec(const std::string& configPath, const std::string& bundleDir);
// Parses a `process` object alone (for exec).
Process ParseProcess(const nlohmann::json& j);

bool HasNamespace(const Spec& spec, const std::string& type);
}  // namespace berth
