import { describe, expect, it } from 'vitest';
import { isImageSpecError } from '../src/errors.js';
import { MediaType } from '../src/media-types.js';
import {
  comparePlatforms,
  compatiblePlatforms,
  formatPlatform,
  hostPlatform,
  matchesPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatcher,
  selectManifest,
} from '../src/platform/index.js';
import type { Descriptor, ImageIndex, Platform } from '../src/types/index.js';

function expectCode(fn: () => unknown, code: string): Error {
  try {
    fn();
  } catch (err) {
    expect(isImageSpecError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return err as Error;
  }
  throw new Error('expected an error');
}

const P = (os: string, architecture: string, variant?: string): Platform => ({
  os,
  architecture,
  ...(variant && { variant }),
});

const host = hostPlatform();

describe('hostPlatform', () => {
  it('maps process.platform/process.arch to normalised OCI names', () => {
    const arch: Record<string, string> = {
      x64: 'amd64',
      ia32: '386',
      arm64: 'arm64',
      arm: 'arm',
      s390x: 's390x',
    };
    const os: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
    expect(host.os).toBe(os[process.platform] ?? process.platform);
    expect(host.architecture).toBe(arch[process.arch] ?? process.arch);
    expect(normalizePlatform(host)).toStrictEqual(host);
    if (host.architecture === 'arm') expect(host.variant).toMatch(/^v\d+$/);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')('is linux/amd64 on this machine', () => {
    expect(host).toStrictEqual(P('linux', 'amd64'));
    expect(formatPlatform(host)).toBe('linux/amd64');
  });
});

describe('parsePlatform', () => {
  it.each<[string, Platform]>([
    ['linux/amd64', P('linux', 'amd64')],
    ['linux/arm64', P('linux', 'arm64')],
    ['linux/arm64/v8', P('linux', 'arm64')],
    ['linux/arm64/v8.2', P('linux', 'arm64', 'v8.2')],
    ['linux/arm', P('linux', 'arm', 'v7')],
    ['linux/arm/v6', P('linux', 'arm', 'v6')],
    ['linux/arm/7', P('linux', 'arm', 'v7')],
    ['linux/armhf', P('linux', 'arm', 'v7')],
    ['linux/armel', P('linux', 'arm', 'v6')],
    ['linux/aarch64', P('linux', 'arm64')],
    ['Linux/x86_64', P('linux', 'amd64')],
    ['linux/x86-64', P('linux', 'amd64')],
    ['linux/amd64/v1', P('linux', 'amd64')],
    ['linux/amd64/v3', P('linux', 'amd64', 'v3')],
    ['linux/i386', P('linux', '386')],
    ['linux/i686', P('linux', '386')],
    ['linux/386', P('linux', '386')],
    ['linux/ppc64le', P('linux', 'ppc64le')],
    ['windows/amd64', P('windows', 'amd64')],
    ['macos/arm64', P('darwin', 'arm64')],
  ])('%s', (input, expected) => {
    expect(parsePlatform(input)).toStrictEqual(expected);
  });

  it('takes a lone known OS as the OS, with the host architecture', () => {
    expect(parsePlatform('linux')).toStrictEqual({ ...host, os: 'linux' });
    expect(parsePlatform('windows')).toStrictEqual({ ...host, os: 'windows' });
    expect(parsePlatform('macOS')).toStrictEqual({ ...host, os: 'darwin' });
  });

  it.each<[string, string, string?]>([
    ['amd64', 'amd64'],
    ['x86_64', 'amd64'],
    ['Aarch64', 'arm64'],
    ['arm', 'arm', 'v7'],
    ['armel', 'arm', 'v6'],
    ['i386', '386'],
    ['s390x', 's390x'],
  ])('takes lone architecture %s as %s with the host OS', (input, architecture, variant) => {
    expect(parsePlatform(input)).toStrictEqual(P(host.os, architecture, variant));
  });

  it.each([
    '',
    '/',
    '/linux/arm',
    'linux/arm/',
    'linux//arm',
    'linux /arm',
    'linux/&arm',
    'linux/*',
    'linux/arm/v7/extra',
    'FOO',
    'notanos',
  ])('rejects %j', (input) => {
    const err = expectCode(() => parsePlatform(input), 'ERR_PLATFORM_INVALID');
    expect(err.message).toContain(JSON.stringify(input));
  });
});

describe('formatPlatform', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['windows/amd64/v3', 'windows/amd64/v3'],
  ])('%s formats as %s and parses back to the same platform', (input, formatted) => {
    const parsed = parsePlatform(input);
    expect(formatPlatform(parsed)).toBe(formatted);
    expect(parsePlatform(formatPlatform(parsed))).toStrictEqual(parsed);
  });

  it('shows missing fields as unknown', () => {
    expect(formatPlatform({ os: '', architecture: '' })).toBe('unknown/unknown');
  });
});

describe('normalizePlatform', () => {
  it('keeps the other fields', () => {
    const p: Platform = {
      os: 'Windows',
      architecture: 'X86_64',
      'os.version': '10.0.17763.1',
      'os.features': ['win32k'],
    };
    expect(normalizePlatform(p)).toStrictEqual({
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.17763.1',
      'os.features': ['win32k'],
    });
  });

  it('does not change its input', () => {
    const p = P('linux', 'aarch64', 'v8');
    normalizePlatform(p);
    expect(p).toStrictEqual(P('linux', 'aarch64', 'v8'));
  });
});

describe('platform matching', () => {
  it('lists what each CPU also runs, best first', () => {
    const list = (s: string) => compatiblePlatforms(parsePlatform(s)).map(formatPlatform);
    expect(list('linux/amd64')).toEqual(['linux/amd64', 'linux/386']);
    expect(list('linux/amd64/v3')).toEqual(['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386']);
    expect(list('linux/arm/v8')).toEqual(['linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']);
    expect(list('linux/arm')).toEqual(['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']);
    expect(list('linux/arm/v5')).toEqual(['linux/arm/v5']);
    expect(list('linux/arm64')).toEqual([
      'linux/arm64',
      'linux/arm/v8',
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/arm/v5',
    ]);
    expect(list('linux/arm64/v8.2')).toEqual([
      'linux/arm64/v8.2',
      'linux/arm64/v8.1',
      'linux/arm64',
      'linux/arm/v8',
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/arm/v5',
    ]);
    expect(list('linux/arm64/v9.1').slice(0, 4)).toEqual([
      'linux/arm64/v9.1',
      'linux/arm64/v9',
      'linux/arm64/v8.6',
      'linux/arm64/v8.5',
    ]);
    expect(list('linux/s390x')).toEqual(['linux/s390x']);
  });

  it('matches non-canonical spellings of the same platform', () => {
    const m = platformMatcher(P('linux', 'arm64'));
    expect(m(P('linux', 'aarch64'))).toBe(true);
    expect(m(P('linux', 'arm64', 'v8'))).toBe(true);
    expect(m(P('Linux', 'ARM64'))).toBe(true);
    expect(matchesPlatform(P('linux', 'arm', 'v7'), P('linux', 'armhf'))).toBe(true);
    expect(matchesPlatform(P('linux', 'arm'), P('linux', 'arm', 'v7'))).toBe(true);
  });

  it('lets older variants run but never newer ones', () => {
    expect(matchesPlatform(P('linux', 'arm', 'v7'), P('linux', 'arm', 'v6'))).toBe(true);
    expect(matchesPlatform(P('linux', 'arm', 'v7'), P('linux', 'arm', 'v5'))).toBe(true);
    expect(matchesPlatform(P('linux', 'arm', 'v6'), P('linux', 'arm', 'v7'))).toBe(false);
    expect(matchesPlatform(P('linux', 'arm', 'v7'), P('linux', 'arm', 'v8'))).toBe(false);
    expect(matchesPlatform(P('linux', 'amd64'), P('linux', 'amd64', 'v2'))).toBe(false);
    expect(matchesPlatform(P('linux', 'arm64'), P('linux', 'arm', 'v7'))).toBe(true);
  });

  it('never crosses OS or unrelated architectures', () => {
    expect(matchesPlatform(P('linux', 'amd64'), P('linux', 'arm64'))).toBe(false);
    expect(matchesPlatform(P('linux', 'amd64'), P('windows', 'amd64'))).toBe(false);
    expect(matchesPlatform(P('linux', 'arm', 'v7'), P('linux', 'arm64'))).toBe(false);
    expect(matchesPlatform(P('linux', '386'), P('linux', 'amd64'))).toBe(false);
  });

  it('never matches a candidate without os or architecture', () => {
    const m = platformMatcher(P('linux', 'amd64'));
    expect(m(undefined)).toBe(false);
    expect(m({ os: '', architecture: 'amd64' })).toBe(false);
    expect(m({ os: 'linux', architecture: '' })).toBe(false);
    expect(m({ architecture: 'amd64' } as Platform)).toBe(false);
  });

  it('requires the candidate os.features to be wanted', () => {
    const want: Platform = { os: 'windows', architecture: 'amd64', 'os.features': ['win32k'] };
    expect(matchesPlatform(want, { os: 'windows', architecture: 'amd64' })).toBe(true);
    expect(matchesPlatform(want, { os: 'windows', architecture: 'amd64', 'os.features': ['win32k'] })).toBe(
      true,
    );
    expect(matchesPlatform(P('windows', 'amd64'), { ...want })).toBe(false);
  });

  it('orders the exact platform first, then fallbacks, then non-matches', () => {
    const have = [
      P('linux', 'arm64'),
      P('linux', 'arm', 'v5'),
      P('linux', 'arm', 'v7'),
      P('linux', 'amd64'),
      P('linux', 'arm', 'v6'),
      P('linux', 'arm', 'v8'),
    ];
    const sorted = [...have].sort(comparePlatforms(P('linux', 'arm', 'v8'))).map(formatPlatform);
    expect(sorted).toEqual([
      'linux/arm/v8',
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/arm/v5',
      'linux/arm64',
      'linux/amd64',
    ]);
    expect(
      [...have]
        .sort(comparePlatforms(P('linux', 'arm64')))
        .map(formatPlatform)
        .slice(0, 2),
    ).toEqual(['linux/arm64', 'linux/arm/v8']);
  });
});

describe('selectManifest', () => {
  let n = 0;
  const entry = (platform?: Platform, annotations?: Record<string, string>): Descriptor => ({
    mediaType: MediaType.ImageManifest,
    digest: `sha256:${(n++).toString(16).padStart(64, '0')}`,
    size: 1000 + n,
    ...(platform && { platform }),
    ...(annotations && { annotations }),
  });
  const index = (...manifests: Descriptor[]): ImageIndex => ({
    schemaVersion: 2,
    mediaType: MediaType.ImageIndex,
    manifests,
  });

  const amd64 = entry(P('linux', 'amd64'));
  const armv6 = entry(P('linux', 'arm', 'v6'));
  const armv7 = entry(P('linux', 'arm', 'v7'));
  const arm64 = entry(P('linux', 'arm64', 'v8'));
  const i386 = entry(P('linux', '386'));
  const ppc64le = entry(P('linux', 'ppc64le'));
  const s390x = entry(P('linux', 's390x'));
  const attestation = entry(P('unknown', 'unknown'), {
    'vnd.docker.reference.type': 'attestation-manifest',
    'vnd.docker.reference.digest': amd64.digest,
  });
  const multiArch = index(amd64, armv6, armv7, arm64, i386, ppc64le, s390x, attestation);

  it.each<[string, Descriptor]>([
    ['linux/amd64', amd64],
    ['linux/386', i386],
    ['linux/arm/v6', armv6],
    ['linux/arm/v7', armv7],
    ['linux/arm', armv7],
    ['linux/arm/v8', armv7],
    ['linux/arm64', arm64],
    ['linux/arm64/v8', arm64],
    ['linux/aarch64', arm64],
    ['linux/ppc64le', ppc64le],
    ['linux/s390x', s390x],
  ])('picks %s from a multi-arch index', (want, expected) => {
    expect(selectManifest(multiArch, parsePlatform(want))).toBe(expected);
  });

  it('defaults to the host platform', () => {
    const hostEntry = entry(host);
    expect(selectManifest(index(entry(P('plan9', 'mips')), hostEntry), undefined)).toBe(hostEntry);
  });

  it('falls back to an older arm variant', () => {
    expect(selectManifest(index(amd64, armv6, arm64), P('linux', 'arm', 'v7'))).toBe(armv6);
  });

  it('prefers arm64 over arm/v7 for an arm64 host, but runs arm when that is all', () => {
    expect(selectManifest(index(armv7, arm64), P('linux', 'arm64'))).toBe(arm64);
    expect(selectManifest(index(amd64, armv6, armv7), P('linux', 'arm64'))).toBe(armv7);
  });

  it('never picks arm64 for amd64; takes 386 only when there is no amd64', () => {
    expect(selectManifest(index(arm64, i386, amd64), P('linux', 'amd64'))).toBe(amd64);
    expect(selectManifest(index(arm64, i386), P('linux', 'amd64'))).toBe(i386);
    expectCode(() => selectManifest(index(arm64, armv7), P('linux', 'amd64')), 'ERR_PLATFORM_NOT_FOUND');
  });

  it('keeps index order among equally good entries', () => {
    const second = entry(P('linux', 'amd64'));
    expect(selectManifest(index(amd64, second), P('linux', 'amd64'))).toBe(amd64);
  });

  it('skips entries without a platform and attestation manifests', () => {
    const untagged = entry();
    const annotatedOnly = entry(P('linux', 'amd64'), { 'vnd.docker.reference.type': 'attestation-manifest' });
    const unknown = entry(P('unknown', 'unknown'));
    expect(selectManifest(index(untagged, annotatedOnly, unknown, amd64), P('linux', 'amd64'))).toBe(amd64);
    expectCode(
      () => selectManifest(index(untagged, annotatedOnly, unknown), P('linux', 'amd64')),
      'ERR_PLATFORM_NOT_FOUND',
    );
  });

  it('names the wanted and available platforms when nothing matches', () => {
    const err = expectCode(() => selectManifest(multiArch, P('windows', 'amd64')), 'ERR_PLATFORM_NOT_FOUND');
    expect(err.message).toContain('windows/amd64');
    expect(err.message).toContain(
      'linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8, linux/386, linux/ppc64le, linux/s390x',
    );
    expect(err.message).not.toContain('unknown');
    expect(
      expectCode(() => selectManifest(index(), P('linux', 'amd64')), 'ERR_PLATFORM_NOT_FOUND').message,
    ).toContain('available: none');
  });
});
