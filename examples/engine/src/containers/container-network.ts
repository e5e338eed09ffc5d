import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Daemon } from '../daemon/daemon.js';
import type { ContainerNetworkAttachment } from '../networks/network-service.js';
import type { ContainerRecord } from './container-record.js';

/** Asks the network service for the container's sandbox, from what its create request said. */
export async function attachNetwork(
  daemon: Daemon,
  record: ContainerRecord,
  dir: string,
): Promise<ContainerNetworkAttachment> {
  try {
    return await daemon.networks.attachContainer({
      id: record.id,
      name: record.name,
      hostname: record.config.Hostname,
      networkMode: record.hostConfig.NetworkMode,
      portBindings: record.hostConfig.PortBindings ?? {},
      publishAllPorts: record.hostConfig.PublishAllPorts,
      exposedPorts: Object.keys(record.config.ExposedPorts ?? {}),
      extraHosts: record.hostConfig.ExtraHosts ?? [],
      endpointsConfig: record.networking,
    });
  } catch (err) {
    // A network service without `none` support: a fresh namespace with only loopback is the same thing.
    if (record.hostConfig.NetworkMode !== 'none' || !/not implemented/.test((err as Error).message))
      throw err;
    return { netnsPath: '', files: await isolatedFiles(record, dir) };
  }
}

async function isolatedFiles(
  record: ContainerRecord,
  dir: string,
): Promise<NonNullable<ContainerNetworkAttachment['files']>> {
  const files = {
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolvConf: join(dir, 'resolv.conf'),
  };
  await writeFile(files.hosts, '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  await writeFile(files.hostname, `${record.config.Hostname}\n`);
  await writeFile(files.resolvConf, '');
  return files;
}
