#pragma once
#include <sys/types.h>

#include "monitor/spec.h"

namespace berth {
// CLONE_NEW* flag for an OCI namespace type; throws on an unknown type.
int NamespaceFlag(const std::string& type);
// Flags of the namespaces the spec asks to create (no path), except cgroup, which the init
// unshares itself once it has joined its cgroup.
int CloneFlags(const Spec& spec);
// setns() into every namespace the spec gives by path, user first, except pid (joined by
// the monitor before clone, since it applies to children only).
void JoinNamespaces(const Spec& spec);
void JoinPidNamespace(const Spec& spec);
// Writes uid_map/gid_map of `pid` from the spec.
void WriteIdMappings(pid_t pid, const Spec& spec);
}  // namespace berth
