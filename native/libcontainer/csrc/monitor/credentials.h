#pragma once
#include "monitor/spec.h"

namespace berth {
// Process attributes set while still privileged: rlimits, oom_score_adj.
void ApplyLimits(const Process& p);
// Kernel settings of the new namespaces: hostname, domainname, sysctls.
void ApplyNamespaceSettings(const Spec& spec, bool newUts);
// Groups, gid, uid, then the five capability sets (keeping caps across setuid), then
// no_new_privs and umask.
void ApplyCredentials(const Process& p);
}  // namespace berth
