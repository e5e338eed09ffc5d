import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import type { Mount } from '@berth/exec-driver';
import { badRequest } from '../api/api-error.js';
import type { HostConfig } from './container-record.js';

/** One mount as inspect's `Mounts` shows it. */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

interface PlannedMount {
  point: MountPoint;
  /** Binds and volumes: a missing source directory is made (as Docker does for -v). */
  createSource: boolean;
  tmpfsOptions?: string[];
}

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Where volumes live, and the anonymous volumes the container got (destination → name). */
export interface VolumeMounts {
  root: string;
  anonymous: Record<string, string>;
}

const volumePoint = (
  root: string,
  name: string,
  destination: string,
  mode: string,
  rw: boolean,
): MountPoint => ({
  Type: 'volume',
  Name: name,
  Source: join(root, name, '_data'),
  Destination: destination,
  Driver: 'local',
  Mode: mode,
  RW: rw,
  Propagation: '',
});
const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** `-v src:dst[:opts]`: a host path (absolute) or a named volume under the data root. */
function parseBind(spec: string, volumesRoot: string): PlannedMount {
  const parts = spec.split(':');
  const invalid = () => badRequest(`invalid volume specification: '${spec}'`);
  if (parts.length < 2 || parts.length > 3) throw invalid();
  const [source = '', destination = '', mode = ''] = parts;
  if (!isAbsolute(destination))
    throw badRequest(
      `invalid volume specification: '${spec}': invalid mount config for type "bind": invalid mount path: '${destination}' mount path must be absolute`,
    );
  if (destination === '/')
    throw badRequest(
      `invalid volume specification: '${spec}': invalid mount config for type "bind": invalid specification: destination can't be '/'`,
    );
  const opts = mode ? mode.split(',') : [];
  for (const o of opts) if (!['ro', 'rw', 'z', 'Z', 'nocopy', ...PROPAGATIONS].includes(o)) throw invalid();
  const rw = !opts.includes('ro');
  const propagation = opts.find((o) => PROPAGATIONS.includes(o)) ?? 'rprivate';
  if (isAbsolute(source)) {
    return {
      point: {
        Type: 'bind',
        Source: posix.normalize(source),
        Destination: posix.normalize(destination),
        Mode: mode,
        RW: rw,
        Propagation: propagation,
      },
      createSource: true,
    };
  }
  if (!VOLUME_NAME.test(source))
    throw badRequest(
      `create ${source}: "${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  return {
    point: volumePoint(volumesRoot, source, posix.normalize(destination), mode || 'z', rw),
    createSource: true,
  };
}

/**
 * Every mount a container asks for (Binds, Mounts, Tmpfs) and its anonymous volumes, checked; bad
 * ones are Docker's 400s. A `Mounts` volume without a source is anonymous: before the container
 * has its names (at create) it is planned with an empty `Name`.
 */
export function planMounts(hostConfig: HostConfig, volumes: VolumeMounts): PlannedMount[] {
  const volumesRoot = volumes.root;
  const planned: PlannedMount[] = [];
  for (const bind of hostConfig.Binds ?? []) planned.push(parseBind(bind, volumesRoot));
  for (const m of hostConfig.Mounts ?? []) {
    if (!isAbsolute(m.Target))
      throw badRequest(
        `invalid mount config for type "${m.Type}": invalid mount path: '${m.Target}' mount path must be absolute`,
      );
    const rw = m.ReadOnly !== true;
    if (m.Type === 'bind') {
      if (!m.Source || !isAbsolute(m.Source))
        throw badRequest(
          `invalid mount config for type "bind": invalid mount path: '${m.Source ?? ''}' mount path must be absolute`,
        );
      if (!existsSync(m.Source))
        throw badRequest(
          `invalid mount config for type "bind": bind source path does not exist: ${m.Source}`,
        );
      planned.push({
        point: {
          Type: 'bind',
          Source: m.Source,
          Destination: m.Target,
          Mode: '',
          RW: rw,
          Propagation: 'rprivate',
        },
        createSource: false,
      });
    } else if (m.Type === 'volume') {
      const name = m.Source || volumes.anonymous[posix.normalize(m.Target)] || '';
      if (m.Source && !VOLUME_NAME.test(name))
        throw badRequest(`invalid mount config for type "volume": invalid volume name ${name}`);
      planned.push({
        point: volumePoint(volumesRoot, name, posix.normalize(m.Target), 'z', rw),
        createSource: true,
      });
    } else if (m.Type === 'tmpfs') {
      const options: string[] = [];
      if (m.TmpfsOptions?.SizeBytes) options.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) options.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      planned.push({
        point: { Type: 'tmpfs', Source: '', Destination: m.Target, Mode: '', RW: rw, Propagation: '' },
        createSource: false,
        tmpfsOptions: options,
      });
    } else throw badRequest(`invalid mount config: mount type unknown: "${m.Type}"`);
  }
  for (const [destination, options] of Object.entries(hostConfig.Tmpfs ?? {})) {
    if (!isAbsolute(destination))
      throw badRequest(`invalid tmpfs mount: ${destination}: mount path must be absolute`);
    planned.push({
      point: {
        Type: 'tmpfs',
        Source: '',
        Destination: destination,
        Mode: options,
        RW: !options.split(',').includes('ro'),
        Propagation: '',
      },
      createSource: false,
      tmpfsOptions: options ? options.split(',') : [],
    });
  }
  const seen = new Set<string>();
  for (const p of planned) {
    if (seen.has(p.point.Destination)) throw badRequest(`Duplicate mount point: ${p.point.Destination}`);
    seen.add(p.point.Destination);
  }
  for (const [destination, name] of Object.entries(volumes.anonymous)) {
    if (!seen.has(destination))
      planned.push({ point: volumePoint(volumesRoot, name, destination, '', true), createSource: true });
  }
  return planned;
}

/**
 * The destinations that need an anonymous volume at create: image and request `Volumes` that no
 * bind or mount covers (`-v /path` arrives as a `Volumes` entry), and source-less volume mounts.
 */
export function anonymousDestinations(
  hostConfig: HostConfig,
  configVolumes: Record<string, object> | null | undefined,
): string[] {
  const planned = planMounts(hostConfig, { root: '', anonymous: {} });
  const covered = new Set(planned.map((p) => p.point.Destination));
  const out = planned
    .filter((p) => p.point.Type === 'volume' && p.point.Name === '')
    .map((p) => p.point.Destination);
  for (const path of Object.keys(configVolumes ?? {})) {
    const destination = posix.normalize(path);
    if (!covered.has(destination) && !out.includes(destination)) out.push(destination);
  }
  return out;
}

/** Names of every volume the container mounts (named and anonymous). */
export function volumeNamesOf(hostConfig: HostConfig, anonymous: Record<string, string>): string[] {
  return planMounts(hostConfig, { root: '', anonymous })
    .filter((p) => p.point.Type === 'volume' && p.point.Name)
    .map((p) => p.point.Name as string);
}

/** What inspect's `Mounts` lists (Docker leaves `--tmpfs` out). */
export function mountPoints(hostConfig: HostConfig, volumes: VolumeMounts): MountPoint[] {
  const fromTmpfsFlag = new Set(Object.keys(hostConfig.Tmpfs ?? {}));
  return planMounts(hostConfig, volumes)
    .filter((p) => !(p.point.Type === 'tmpfs' && fromTmpfsFlag.has(p.point.Destination)))
    .map((p) => p.point);
}

/** The OCI mounts for a start; makes missing bind/volume sources. */
export function runtimeMounts(hostConfig: HostConfig, volumes: VolumeMounts): Mount[] {
  return planMounts(hostConfig, volumes).map((p): Mount => {
    const { point } = p;
    if (point.Type === 'tmpfs') {
      const options = p.tmpfsOptions ?? [];
      return {
        destination: point.Destination,
        type: 'tmpfs',
        source: 'tmpfs',
        options: [
          'nosuid',
          'nodev',
          'noexec',
          ...options.filter((o) => o !== 'rw' && o !== 'ro'),
          point.RW ? 'rw' : 'ro',
        ],
      };
    }
    if (p.createSource && !existsSync(point.Source))
      mkdirSync(point.Source, { recursive: true, mode: 0o755 });
    return {
      destination: point.Destination,
      type: 'bind',
      source: point.Source,
      options: ['rbind', point.RW ? 'rw' : 'ro', point.Propagation || 'rprivate'],
    };
  });
}
