#pragma once
// Extended attributes of an entry named relative to a directory fd, never following a final
// symlink. `dirfd == AT_FDCWD` means `name` is an ordinary path (the l*xattr calls); an empty
// `name` means the directory fd itself. Results follow the syscalls: -1 with errno set.
#include <optional>
#include <string>
#include <vector>

namespace berth {
int SetXattrAt(int dirfd, const std::string& name, const std::string& attr, const void* value, size_t size,
               int flags);
// The value; nullopt with errno set on failure (ENODATA: no such attribute).
std::optional<std::vector<char>> GetXattrAt(int dirfd, const std::string& name, const std::string& attr);
std::optional<std::vector<std::string>> ListXattrAt(int dirfd, const std::string& name);
int RemoveXattrAt(int dirfd, const std::string& name, const std::string& attr);
}  // namespace berth
