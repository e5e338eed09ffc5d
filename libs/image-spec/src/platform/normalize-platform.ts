import { match } from 'ts-pattern';
import type { Platform } from '../types/platform.js';

/** Operating systems Go knows (go/build syslist): the values images put in `os`. */
export const KNOWN_OS: ReadonlySet<string> = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'wasip1',
  'windows',
  'zos',
]);

/** Architectures Go knows (go/build syslist), in their normalised spelling. */
export const KNOWN_ARCH: ReadonlySet<string> = new Set([
  '386',
  'amd64',
  'amd64p32',
  'arm',
  'armbe',
  'arm64',
  'arm64be',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'ppc64',
  'ppc64le',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm',
]);

export function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** Maps distro/uname spellings to Go's, and fills in or drops the variant each arch implies. */
function normalizeArch(arch: string, variant: string): [architecture: string, variant: string] {
  return (
    match<string, [string, string]>(arch)
      .with('x86_64', 'x86-64', 'amd64', () => ['amd64', variant === 'v1' ? '' : variant])
      .with('aarch64', 'arm64', () => ['arm64', variant === 'v8' || variant === '8' ? '' : variant])
      .with('armhf', () => ['arm', 'v7'])
      .with('armel', () => ['arm', 'v6'])
      // Unqualified 32-bit arm is armhf in practice, so it is v7; bare numbers get their `v`.
      .with('arm', () => ['arm', variant === '' ? 'v7' : variant.replace(/^(\d+)$/, 'v$1')])
      .with('i386', 'i686', () => ['386', ''])
      .otherwise(() => [arch, variant])
  );
}

/**
 * The canonical form of a platform, so that platforms compare with `===` on each field:
 * lower case, Go's architecture names, `arm` always with a variant, and the variants that
 * are the baseline of their architecture (`arm64/v8`, `amd64/v1`) dropped.
 */
export function normalizePlatform(platform: Platform): Platform {
  const { variant: rawVariant, ...rest } = platform;
  const [architecture, variant] = normalizeArch(
    platform.architecture.toLowerCase(),
    (rawVariant ?? '').toLowerCase(),
  );
  return { ...rest, os: normalizeOs(platform.os), architecture, ...(variant && { variant }) };
}
