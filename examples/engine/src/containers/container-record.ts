import type { LogConfig } from '../logging/log-config.js';
import type { HealthState } from './health-check.js';
/** Docker's zero time, which inspect shows for "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

/** Docker's `State` as inspect shows it, plus what the engine needs to decide restarts. */
export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** `docker stop`/`kill` by the user: no restart policy applies (Docker's HasBeenManuallyStopped). */
  ManuallyStopped?: boolean;
  /** Only for a container with a healthcheck. */
  Health?: HealthState;
}

/** Docker's container `Config` (the create request's top level), merged with the image's. */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  Volumes?: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild?: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  [key: string]: unknown;
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

/** The part of Docker's `HostConfig` the engine acts on; the rest is kept and shown as sent. */
export interface HostConfig {
  Binds: string[] | null;
  NetworkMode: string;
  PortBindings: Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  Tmpfs?: Record<string, string> | null;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuQuota: number;
  CpuPeriod: number;
  CpuShares: number;
  PidsLimit: number | null;
  ShmSize: number;
  ExtraHosts: string[] | null;
  GroupAdd?: string[] | null;
  Mounts?: HostMount[] | null;
  Devices?: HostDeviceMapping[] | null;
  DeviceCgroupRules?: string[] | null;
  /** As in effect: the daemon's default filled in at create (see logConfigOf for older records). */
  LogConfig?: LogConfig;
  [key: string]: unknown;
}

/** `HostConfig.Devices` entries (`--device /dev/x:/dev/y:rw`). */
export interface HostDeviceMapping {
  PathOnHost: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}

/** `HostConfig.Mounts` entries (`--mount`). */
export interface HostMount {
  Type: 'bind' | 'volume' | 'tmpfs' | string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export type EndpointsConfig = Record<
  string,
  { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string } | null; [key: string]: unknown }
>;

/** A container as the `containers` table keeps it. */
export interface ContainerRecord {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  imageId: string;
  imageName: string;
  created: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  networking: EndpointsConfig;
  state: ContainerState;
  restartCount: number;
}

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

/** The flags Docker keeps beside Status, derived from it. */
export function withStatus(state: ContainerState, status: ContainerStatus): ContainerState {
  return {
    ...state,
    Status: status,
    Running: status === 'running' || status === 'paused' || status === 'restarting',
    Paused: status === 'paused',
    Restarting: status === 'restarting',
    Dead: status === 'dead',
  };
}

export const isRunning = (r: ContainerRecord) => r.state.Status === 'running' || r.state.Status === 'paused';
