#include "monitor/seccomp_cache.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/fd.h"

namespace berth {
namespace {

constexpr char kMagic[8] = {'B', 'S', 'E', 'C', 'C', 'M', 'P', '1'};

std::string EntryPath(const std::string& dir, const std::string& key) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: only names the file, the key is compared whole
  for (unsigned char ch : key) h = (h ^ ch) * 1099511628211ULL;
  char name[32];
  std::snprintf(name, sizeof(name), "%016llx.bpf", static_cast<unsigned long long>(h));
  return dir + "/" + name;
}

bool ReadAll(int fd, std::string& out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

bool WriteAll(int fd, const void* data, size_t size) {
  auto p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string SeccompCacheKey(const nlohmann::json& seccomp) {
  // What else the program depends on: the compiler, and the kernel libseccomp probed.
  const scmp_version* v = seccomp_version();
  struct utsname uts{};
  uname(&uts);
  return "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro) +
         " api " + std::to_string(seccomp_api_get()) + " kernel " + uts.release + " " + uts.version + "\n" +
         seccomp.dump();
}

// Layout: magic, key length (u64), key, program (sock_filter[]) to the end.
std::optional<SeccompProgram> ReadCachedSeccomp(const std::string& dir, const std::string& key) {
  Fd fd(open(EntryPath(dir, key).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return std::nullopt;
  std::string data;
  if (!ReadAll(fd.get(), data)) return std::nullopt;
  const size_t head = sizeof(kMagic) + sizeof(uint64_t);
  if (data.size() < head || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) return std::nullopt;
  uint64_t keySize;
  std::memcpy(&keySize, data.data() + sizeof(kMagic), sizeof(keySize));
  if (keySize != key.size() || data.size() < head + keySize) return std::nullopt;
  if (data.compare(head, keySize, key) != 0) return std::nullopt;
  size_t programSize = data.size() - head - keySize;
  if (programSize == 0 || programSize % sizeof(sock_filter) != 0) return std::nullopt;
  SeccompProgram program;
  program.instructions.resize(programSize / sizeof(sock_filter));
  std::memcpy(program.instructions.data(), data.data() + head + keySize, programSize);
  return program;
}

void WriteCachedSeccomp(const std::string& dir, const std::string& key, const SeccompProgram& program) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return;
  std::string path = EntryPath(dir, key);
  uint64_t nonce = 0;  // not the PID: in a new PID namespace every init is 1
  if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce)) return;
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), ".%016llx.tmp", static_cast<unsigned long long>(nonce));
  std::string tmp = path + suffix;
  Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return;
  uint64_t keySize = key.size();
  bool ok = WriteAll(fd.get(), kMagic, sizeof(kMagic)) && WriteAll(fd.get(), &keySize, sizeof(keySize)) &&
            WriteAll(fd.get(), key.data(), key.size()) &&
            WriteAll(fd.get(), program.instructions.data(), program.instructions.size() * sizeof(sock_filter));
  fd.Reset();
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) unlink(tmp.c_str());
}
}  // namespace berth
