import { posix } from 'node:path';
import type { ContainerNetworkAttachment } from '../networks/network-service.js';
import { planMounts, type VolumeMounts } from './container-mounts.js';
import type { HostConfig } from './container-record.js';

/** Something mounted into a container, as its filesystem view (`docker cp`) shows it. */
export interface ViewMount {
  /** Where the container asked for it: absolute, normalized, symlinks not resolved. */
  destination: string;
  rw: boolean;
  source: { type: 'host'; path: string } | { type: 'tmpfs'; mode: number };
}

/** tmpfs's own default mode for its root, when the options name none. */
const TMPFS_MODE = 0o1777;

function tmpfsMode(options: string[] | undefined): number {
  const mode = options?.find((o) => o.startsWith('mode='))?.slice('mode='.length);
  return mode && /^[0-7]{1,4}$/.test(mode) ? Number.parseInt(mode, 8) : TMPFS_MODE;
}

/**
 * What is mounted into a container, shallowest destination first (the order mounts are made in,
 * so a mount inside another one is resolved inside it): the network files the engine writes
 * (/etc/resolv.conf, /etc/hostname, /etc/hosts) unless the user mounts something there, then the
 * volumes, binds and tmpfs mounts of Binds, Mounts and Tmpfs. dockerd's view leaves `--init`'s
 * binary out, and so does this.
 */
export function viewMountsOf(
  hostConfig: HostConfig,
  volumes: VolumeMounts,
  networkFiles: ContainerNetworkAttachment['files'],
): ViewMount[] {
  const byDestination = new Map<string, ViewMount>();
  const host = (destination: string, path: string, rw: boolean): ViewMount => ({
    destination,
    rw,
    source: { type: 'host', path },
  });
  if (networkFiles) {
    byDestination.set('/etc/resolv.conf', host('/etc/resolv.conf', networkFiles.resolvConf, true));
    byDestination.set('/etc/hostname', host('/etc/hostname', networkFiles.hostname, true));
    byDestination.set('/etc/hosts', host('/etc/hosts', networkFiles.hosts, true));
  }
  for (const planned of planMounts(hostConfig, volumes)) {
    const { point } = planned;
    const destination = posix.normalize(point.Destination);
    byDestination.set(
      destination,
      point.Type === 'tmpfs'
        ? { destination, rw: point.RW, source: { type: 'tmpfs', mode: tmpfsMode(planned.tmpfsOptions) } }
        : host(destination, point.Source, point.RW),
    );
  }
  const depth = (m: ViewMount) => m.destination.split('/').filter(Boolean).length;
  return [...byDestination.values()].sort((a, b) => depth(a) - depth(b));
}
