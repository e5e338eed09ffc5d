#pragma once
#include <napi.h>

namespace berth {
// process.cc: pidfd open/signal/wait.
void RegisterProcess(Napi::Env env, Napi::Object exports);
// process_memory.cc: malloc_trim, freed heap back to the kernel.
void RegisterProcessMemory(Napi::Env env, Napi::Object exports);
// process_spawn.cc: posix_spawn of a program that detaches itself, reaping its first process, and execve.
void RegisterProcessSpawn(Napi::Env env, Napi::Object exports);
// fs.cc: mount, umount, page size.
void RegisterFs(Napi::Env env, Napi::Object exports);
// fs_overlay.cc: overlay through fsopen/fsconfig/fsmount (no page limit on options).
void RegisterFsOverlay(Napi::Env env, Napi::Object exports);
// fs_nodes.cc: mknod (devices, fifos, whiteouts), nanosecond utimensat without following.
void RegisterFsNodes(Napi::Env env, Napi::Object exports);
// fs_xattr.cc: l{set,get,list,remove}xattr, on plain paths or inside a root.
void RegisterFsXattr(Napi::Env env, Napi::Object exports);
// fs_safe_root.cc: open/mkdir/symlink/link/unlink/rename inside a root (openat2).
void RegisterFsSafeRoot(Napi::Env env, Napi::Object exports);
// fs_safe_root_meta.cc: chown/chmod/lstat/readlink inside a root.
void RegisterFsSafeRootMeta(Napi::Env env, Napi::Object exports);
// fs_safe_root_dirs.cc: directory fds for SafeRoot's parent cache.
void RegisterFsSafeRootDirs(Napi::Env env, Napi::Object exports);
// fs_safe_root_file.cc: a new file with contents, owner, mode and times in one call.
void RegisterFsSafeRootFile(Napi::Env env, Napi::Object exports);
// netns.cc: persistent network namespaces.
void RegisterNetns(Napi::Env env, Napi::Object exports);
}  // namespace berth
