import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs } from '@berth/fixtures';
import type { RuntimeProcess, RuntimeSpec } from '../src/index.js';

export interface TestBundle {
  dir: string;
  rootfs: string;
  stateRoot: string;
  cleanup(): Promise<void>;
}

/** A bundle with a private copy of the busybox rootfs, and a state root, in a temp dir. */
export async function makeBundle(): Promise<TestBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-test-'));
  // A container in a user namespace runs as an unprivileged host uid: it must reach the rootfs.
  await chmod(dir, 0o755);
  const rootfs = join(dir, 'rootfs');
  execFileSync('cp', ['-a', await busyboxRootfs(), rootfs]);
  return {
    dir,
    rootfs,
    stateRoot: join(dir, 'state'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** A Docker-like spec for the busybox rootfs. */
export function busyboxSpec(
  args: string[],
  overrides: Omit<Partial<RuntimeSpec>, 'process'> & { process?: Partial<RuntimeProcess> } = {},
): RuntimeSpec {
  const { process, ...rest } = overrides;
  return {
    ociVersion: '1.2.0',
    root: { path: 'rootfs' },
    hostname: 'berth-test',
    process: {
      args,
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      user: { uid: 0, gid: 0 },
      capabilities: {
        bounding: DEFAULT_CAPS,
        effective: DEFAULT_CAPS,
        permitted: DEFAULT_CAPS,
        inheritable: undefined,
        ambient: undefined,
      },
      noNewPrivileges: true,
      ...process,
    },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
    ],
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'mount' },
        { type: 'uts' },
        { type: 'ipc' },
        { type: 'network' },
        { type: 'cgroup' },
      ],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/acpi', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
    ...rest,
  };
}

/** Collects a stream into a string. */
export async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}
