import { endianness } from 'node:os';
import type { Platform } from '../types/platform.js';
import { normalizePlatform } from './normalize-platform.js';

/** Node's `process.platform` names that differ from Go's GOOS. */
const OS_BY_NODE_PLATFORM: Readonly<Record<string, string>> = {
  win32: 'windows',
  cygwin: 'windows',
  sunos: 'solaris',
};

/** Node's `process.arch` names that differ from Go's GOARCH. */
const ARCH_BY_NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  mipsel: 'mipsle',
  // Node reports both endiannesses as ppc64; images distinguish them.
  ppc64: endianness() === 'LE' ? 'ppc64le' : 'ppc64',
};

/** The ARM version Node was built for; only it tells v6 from v7 without reading /proc/cpuinfo. */
function armVariant(): string | undefined {
  const version = (process.config.variables as Record<string, unknown>).arm_version;
  return /^\d+$/.test(String(version)) ? `v${String(version)}` : undefined;
}

/** The platform this process runs on, normalised (e.g. `linux/amd64`, `linux/arm/v7`). */
export function hostPlatform(): Platform {
  const architecture = ARCH_BY_NODE_ARCH[process.arch] ?? process.arch;
  const variant = architecture === 'arm' ? armVariant() : undefined;
  return normalizePlatform({
    os: OS_BY_NODE_PLATFORM[process.platform] ?? process.platform,
    architecture,
    ...(variant && { variant }),
  });
}
