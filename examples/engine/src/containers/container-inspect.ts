import { keepsLog, logConfigOf } from '../logging/log-config.js';
import { commandOf } from './container-config.js';
import { mountPoints } from './container-mounts.js';
import type { ContainerRecord, ContainerState } from './container-record.js';
import type { ContainerService } from './container-service.js';
import type { ContainerSize } from './container-size.js';

/** State as Docker shows it (the engine's private flags left out). */
export function publicState(state: ContainerState) {
  const { ManuallyStopped: _private, ...shown } = state;
  return shown;
}

function networkSettingsOf(service: ContainerService, record: ContainerRecord): Record<string, unknown> {
  let settings: Record<string, unknown> = {};
  try {
    settings = service.daemon.networks.networkSettings(record.id) ?? {};
  } catch {
    settings = {};
  }
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: {},
    SandboxKey: '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: {},
    ...settings,
  };
}

/** `GET /containers/{id}/json`: Docker's ContainerInspect shape. */
export function inspectContainer(service: ContainerService, record: ContainerRecord, size?: ContainerSize) {
  const { path, args } = commandOf(record.config);
  const files = service.networkFilesOf(record.id);
  const rw = service.daemon.layers.getRw(record.id);
  const execIds = service.execs.idsOf(record.id);
  const logConfig = logConfigOf(record.hostConfig);
  return {
    Id: record.id,
    Created: record.created,
    Path: path,
    Args: args,
    State: publicState(record.state),
    Image: record.imageId,
    ResolvConfPath: files?.resolvConf ?? '',
    HostnamePath: files?.hostname ?? '',
    HostsPath: files?.hosts ?? '',
    // dockerd's none driver has no file: an empty path.
    LogPath: keepsLog(logConfig) ? service.logPathOf(record.id) : '',
    Name: `/${record.name}`,
    RestartCount: record.restartCount,
    Driver: service.daemon.config.storageDriver === 'overlay' ? 'overlay2' : 'vfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: { ...record.hostConfig, LogConfig: logConfig },
    GraphDriver: {
      Name: service.daemon.config.storageDriver === 'overlay' ? 'overlay2' : 'vfs',
      Data: rw ? { ID: rw.cacheId } : null,
    },
    ...size,
    Mounts: mountPoints(record.hostConfig, service.volumeMountsOf(record.id)),
    Config: record.config,
    NetworkSettings: networkSettingsOf(service, record),
  };
}

function healthSuffix(status: string | undefined): string {
  if (!status) return '';
  return status === 'starting' ? ' (health: starting)' : ` (${status})`;
}

/** "Up 3 minutes", "Exited (0) 2 seconds ago": Docker's human Status column. */
export function humanStatus(record: ContainerRecord, now = Date.now()): string {
  const s = record.state;
  const ago = (iso: string) => humanDuration(now - Date.parse(iso));
  switch (s.Status) {
    case 'running':
      return `Up ${ago(s.StartedAt)}${healthSuffix(s.Health?.Status)}`;
    case 'paused':
      return `Up ${ago(s.StartedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
    case 'exited':
      return `Exited (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

/** Docker's units.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.round(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.round(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.round(hours / 24 / 30)} months`;
  return `${Math.round(hours / 24 / 365)} years`;
}

/** Ports in the list shape from NetworkSettings.Ports (`{"80/tcp": [{HostIp, HostPort}]}`). */
function listPorts(
  ports: unknown,
): { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  for (const [key, bindings] of Object.entries(
    (ports ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[] | null>,
  )) {
    const [port = '0', type = 'tcp'] = key.split('/');
    if (!bindings?.length) out.push({ PrivatePort: Number(port), Type: type });
    for (const b of bindings ?? [])
      out.push({
        ...(b.HostIp ? { IP: b.HostIp } : {}),
        PrivatePort: Number(port),
        PublicPort: Number(b.HostPort),
        Type: type,
      });
  }
  return out;
}

/** One row of `GET /containers/json`. */
export function summarizeContainer(service: ContainerService, record: ContainerRecord, size?: ContainerSize) {
  const settings = networkSettingsOf(service, record);
  const command = [...(record.config.Entrypoint ?? []), ...(record.config.Cmd ?? [])].join(' ');
  return {
    Id: record.id,
    Names: [`/${record.name}`],
    Image: record.imageName,
    ImageID: record.imageId,
    Command: command,
    Created: Math.floor(Date.parse(record.created) / 1000),
    Ports: listPorts(settings.Ports),
    ...size,
    Labels: record.config.Labels,
    State: record.state.Status,
    Status: humanStatus(record),
    HostConfig: { NetworkMode: record.hostConfig.NetworkMode },
    NetworkSettings: { Networks: settings.Networks ?? {} },
    Mounts: mountPoints(record.hostConfig, service.volumeMountsOf(record.id)),
  };
}
