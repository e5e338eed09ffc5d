#include "monitor/seccomp_filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "common/fd.h"

#include "monitor/setup_error.h"

namespace berth {
namespace {

uint32_t Action(const std::string& name, uint32_t errnoRet) {
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errnoRet);
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errnoRet);
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  FailDetail("seccomp", "unsupported action " + name);
}

scmp_compare Op(const std::string& name) {
  static const std::map<std::string, scmp_compare> table = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  auto it = table.find(name);
  if (it == table.end()) FailDetail("seccomp", "unsupported operator " + name);
  return it->second;
}

uint32_t Arch(const std::string& name) {
  static const std::map<std::string, uint32_t> table = {
      {"SCMP_ARCH_X86", SCMP_ARCH_X86},         {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64}, {"SCMP_ARCH_X32", SCMP_ARCH_X32},
      {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},         {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
  };
  auto it = table.find(name);
  return it == table.end() ? 0 : it->second;
}

// libseccomp 2.5 exports BPF only to a file descriptor: a memfd keeps it in memory.
std::vector<sock_filter> ExportBpf(scmp_filter_ctx ctx) {
  Fd mem(memfd_create("berth-seccomp", MFD_CLOEXEC));
  if (!mem) Fail("seccomp", "memfd_create");
  if (int rc = seccomp_export_bpf(ctx, mem.get()); rc != 0) Fail("seccomp", "seccomp_export_bpf", "", -rc);
  off_t size = lseek(mem.get(), 0, SEEK_END);
  if (size < 0 || size % sizeof(sock_filter) != 0) FailDetail("seccomp", "seccomp_export_bpf gave a partial program");
  std::vector<sock_filter> out(size / sizeof(sock_filter));
  if (pread(mem.get(), out.data(), size, 0) != size) Fail("seccomp", "pread", "memfd");
  return out;
}

}  // namespace

void LoadSeccomp(const SeccompProgram& program) {
  sock_fprog prog{static_cast<unsigned short>(program.instructions.size()),
                  const_cast<sock_filter*>(program.instructions.data())};
  // No flags: what seccomp_load does with the attributes CompileSeccomp sets.
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) Fail("seccomp", "seccomp", "");
}

SeccompProgram CompileSeccomp(const nlohmann::json& s) {
  const int defaultErrno = s.value("defaultErrnoRet", 1);  // EPERM, as runc
  uint32_t defaultAction = Action(s.value("defaultAction", std::string("SCMP_ACT_ALLOW")), defaultErrno);
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(defaultAction), seccomp_release);
  if (!ctx) FailDetail("seccomp", "seccomp_init failed");
  // The kernel refuses a filter without no_new_privs unless we hold CAP_SYS_ADMIN; libseccomp
  // would otherwise set no_new_privs itself, which the spec may not want.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  if (s.contains("architectures"))
    for (auto& a : s["architectures"]) {
      uint32_t arch = Arch(a.get<std::string>());
      if (arch != 0 && arch != seccomp_arch_native()) seccomp_arch_add(ctx.get(), arch);
    }
  if (s.contains("syscalls"))
    for (auto& rule : s["syscalls"]) {
      uint32_t action = Action(rule.at("action").get<std::string>(), rule.value("errnoRet", defaultErrno));
      if (action == defaultAction) continue;
      std::vector<scmp_arg_cmp> args;
      if (rule.contains("args"))
        for (auto& a : rule["args"])
          args.push_back(SCMP_CMP(a.at("index").get<unsigned>(), Op(a.at("op").get<std::string>()), a.value("value", uint64_t(0)),
                                  a.value("valueTwo", uint64_t(0))));
      // libseccomp refuses two comparisons of the same argument in one rule: such conditions
      // are alternatives (as runc reads them), so each becomes a rule of its own.
      bool repeated = false;
      for (size_t i = 0; i < args.size(); i++)
        for (size_t k = i + 1; k < args.size(); k++) repeated = repeated || args[i].arg == args[k].arg;
      for (auto& n : rule.at("names")) {
        int nr = seccomp_syscall_resolve_name(n.get<std::string>().c_str());
        if (nr == __NR_SCMP_ERROR) continue;  // not a syscall on this architecture
        auto add = [&](size_t count, const scmp_arg_cmp* cmp) {
          int rc = seccomp_rule_add_array(ctx.get(), action, nr, count, cmp);
          if (rc != 0 && rc != -EEXIST) FailDetail("seccomp", "cannot add a rule for " + n.get<std::string>());
        };
        if (repeated)
          for (auto& a : args) add(1, &a);
        else
          add(args.size(), args.data());
      }
    }
  return SeccompProgram{ExportBpf(ctx.get())};
}
}  // namespace berth
