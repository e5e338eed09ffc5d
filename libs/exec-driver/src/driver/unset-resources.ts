import type { LinuxResources } from '@berth/libcontainer';

/** True for values that set nothing: absent, null, 0 (runc's "unset" for weights), empty lists and objects. */
function setsNothing(value: unknown): boolean {
  if (value === null || value === undefined || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(setsNothing);
  return false;
}

/**
 * Engines fill in resource sections they do not use: dockerd sends `blockIO: { weight: 0 }` for
 * every container. The cgroup manager refuses sections it cannot apply, so those that set
 * nothing are dropped here; a real blockIO/hugepage/network/rdma limit is still refused.
 */
export function withoutUnsetSections(resources: LinuxResources): LinuxResources {
  const r = { ...resources };
  for (const key of ['blockIO', 'hugepageLimits', 'network', 'rdma'] as const)
    if (key in r && setsNothing(r[key])) delete r[key];
  return r;
}
