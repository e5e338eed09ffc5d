#include "monitor/spec.h"

#include "monitor/read_file.h"
#include "monitor/setup_error.h"

namespace berth {
namespace {

int RlimitResource(const std::string& name) {
  static const std::map<std::string, int> table = {
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},     {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  };
  auto it = table.find(name);
  if (it == table.end()) FailDetail("config", "unknown rlimit " + name);
  return it->second;
}

std::vector<std::string> Strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array())
    for (auto& v : j[key]) out.push_back(v.get<std::string>());
  return out;
}

std::vector<IdMapping> Mappings(const nlohmann::json& j, const char* key) {
  std::vector<IdMapping> out;
  if (!j.contains(key)) return out;
  for (auto& m : j[key]) out.push_back({m.at("containerID").get<uint32_t>(), m.at("hostID").get<uint32_t>(), m.at("size").get<uint32_t>()});
  return out;
}

}  // namespace

Process ParseProcess(const nlohmann::json& j) {
  Process p;
  p.terminal = j.value("terminal", false);
  if (j.contains("consoleSize")) {
    p.rows = j["consoleSize"].value("height", 0);
    p.cols = j["consoleSize"].value("width", 0);
  }
  if (j.contains("user")) {
    auto& u = j["user"];
    p.uid = u.value("uid", 0u);
    p.gid = u.value("gid", 0u);
    if (u.contains("umask")) p.umask = u["umask"].get<uint32_t>();
    if (u.contains("additionalGids"))
      for (auto& g : u["additionalGids"]) p.additionalGids.push_back(g.get<uint32_t>());
  }
  p.args = Strings(j, "args");
  p.env = Strings(j, "env");
  p.cwd = j.value("cwd", std::string("/"));
  if (j.contains("capabilities")) {
    auto& c = j["capabilities"];
    p.capabilities = Capabilities{Strings(c, "bounding"), Strings(c, "effective"), Strings(c, "inheritable"),
                                  Strings(c, "permitted"), Strings(c, "ambient")};
  }
  if (j.contains("rlimits"))
    for (auto& r : j["rlimits"])
      p.rlimits.push_back({RlimitResource(r.at("type").get<std::string>()), r.at("soft").get<rlim_t>(), r.at("hard").get<rlim_t>()});
  p.noNewPrivileges = j.value("noNewPrivileges", false);
  if (j.contains("oomScoreAdj")) p.oomScoreAdj = j["oomScoreAdj"].get<int>();
  p.consoleSocket = j.value("berthConsoleSocket", std::string());
  if (p.args.empty()) FailDetail("config", "process.args must not be empty");
  return p;
}

Spec LoadSpec(const std::string& configPath, const std::string& bundleDir) {
  std::string text;
  if (!ReadFile(configPath, text)) Fail("config", "open", configPath);
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    Spec s;
    s.rootPath = j.at("root").at("path").get<std::string>();
    if (!s.rootPath.empty() && s.rootPath[0] != '/') s.rootPath = bundleDir + "/" + s.rootPath;
    s.rootReadonly = j["root"].value("readonly", false);
    s.hostname = j.value("hostname", std::string());
    s.domainname = j.value("domainname", std::string());
    s.process = ParseProcess(j.at("process"));
    if (j.contains("mounts"))
      for (auto& m : j["mounts"])
        s.mounts.push_back({m.at("destination").get<std::string>(), m.value("type", std::string()),
                            m.value("source", std::string()), Strings(m, "options")});
    if (j.contains("linux")) {
      auto& l = j["linux"];
      if (l.contains("namespaces"))
        for (auto& n : l["namespaces"]) s.namespaces.push_back({n.at("type").get<std::string>(), n.value("path", std::string())});
      s.uidMappings = Mappings(l, "uidMappings");
      s.gidMappings = Mappings(l, "gidMappings");
      if (l.contains("devices"))
        for (auto& d : l["devices"])
          s.devices.push_back({d.at("path").get<std::string>(), d.at("type").get<std::string>(), d.value("major", int64_t(0)),
                               d.value("minor", int64_t(0)), d.value("fileMode", 0666u), d.value("uid", 0u), d.value("gid", 0u)});
      if (l.contains("sysctl"))
        for (auto& [k, v] : l["sysctl"].items()) s.sysctl[k] = v.get<std::string>();
      s.maskedPaths = Strings(l, "maskedPaths");
      s.readonlyPaths = Strings(l, "readonlyPaths");
      s.rootfsPropagation = l.value("rootfsPropagation", std::string());
      if (l.contains("seccomp")) s.seccomp = l["seccomp"];
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    FailDetail("config", std::string("invalid config.json: ") + e.what());
  }
}

bool HasNamespace(const Spec& spec, const std::string& type) {
  for (auto& n : spec.namespaces)
    if (n.type == type) return true;
  return false;
}

}  // namespace berth
