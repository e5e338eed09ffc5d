import { describe, expect, it } from 'vitest';
import { isImageSpecError } from '../src/errors.js';
import { parseReference, Reference, withDefaultTag } from '../src/reference/index.js';

const SHA256 = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'0123456789abcdef'.repeat(8)}`;
const TAG_128 = `t${'x'.repeat(127)}`;

interface Valid {
  input: string;
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
  full: string;
  familiar: string;
}

const valid: Valid[] = [
  {
    input: 'busybox',
    domain: 'docker.io',
    path: 'library/busybox',
    full: 'docker.io/library/busybox',
    familiar: 'busybox',
  },
  {
    input: 'busybox:1.36',
    domain: 'docker.io',
    path: 'library/busybox',
    tag: '1.36',
    full: 'docker.io/library/busybox:1.36',
    familiar: 'busybox:1.36',
  },
  {
    input: 'library/busybox',
    domain: 'docker.io',
    path: 'library/busybox',
    full: 'docker.io/library/busybox',
    familiar: 'busybox',
  },
  {
    input: 'docker.io/busybox',
    domain: 'docker.io',
    path: 'library/busybox',
    full: 'docker.io/library/busybox',
    familiar: 'busybox',
  },
  {
    input: 'docker.io/library/busybox:latest',
    domain: 'docker.io',
    path: 'library/busybox',
    tag: 'latest',
    full: 'docker.io/library/busybox:latest',
    familiar: 'busybox:latest',
  },
  {
    input: 'index.docker.io/library/busybox',
    domain: 'docker.io',
    path: 'library/busybox',
    full: 'docker.io/library/busybox',
    familiar: 'busybox',
  },
  {
    input: 'index.docker.io/x',
    domain: 'docker.io',
    path: 'library/x',
    full: 'docker.io/library/x',
    familiar: 'x',
  },
  // Only index.docker.io is an alias of Docker Hub; other hostnames are kept as written.
  {
    input: 'registry-1.docker.io/x',
    domain: 'registry-1.docker.io',
    path: 'x',
    full: 'registry-1.docker.io/x',
    familiar: 'registry-1.docker.io/x',
  },
  {
    input: 'user/app',
    domain: 'docker.io',
    path: 'user/app',
    full: 'docker.io/user/app',
    familiar: 'user/app',
  },
  {
    input: 'docker.io/user/app',
    domain: 'docker.io',
    path: 'user/app',
    full: 'docker.io/user/app',
    familiar: 'user/app',
  },
  // Nested paths under library/ are not shortened, or they would read back as another repository.
  {
    input: 'library/a/b',
    domain: 'docker.io',
    path: 'library/a/b',
    full: 'docker.io/library/a/b',
    familiar: 'library/a/b',
  },
  { input: 'localhost/a', domain: 'localhost', path: 'a', full: 'localhost/a', familiar: 'localhost/a' },
  // A lone component is a Hub name even when it looks like a host: the port reads as a tag.
  {
    input: 'localhost:5000',
    domain: 'docker.io',
    path: 'library/localhost',
    tag: '5000',
    full: 'docker.io/library/localhost:5000',
    familiar: 'localhost:5000',
  },
  {
    input: `localhost:5000/a/b:tag@${SHA256}`,
    domain: 'localhost:5000',
    path: 'a/b',
    tag: 'tag',
    digest: SHA256,
    full: `localhost:5000/a/b:tag@${SHA256}`,
    familiar: `localhost:5000/a/b:tag@${SHA256}`,
  },
  {
    input: 'example.com:8443/a/b/c',
    domain: 'example.com:8443',
    path: 'a/b/c',
    full: 'example.com:8443/a/b/c',
    familiar: 'example.com:8443/a/b/c',
  },
  {
    input: '127.0.0.1:5000/x',
    domain: '127.0.0.1:5000',
    path: 'x',
    full: '127.0.0.1:5000/x',
    familiar: '127.0.0.1:5000/x',
  },
  {
    input: '[::1]:5000/x:y',
    domain: '[::1]:5000',
    path: 'x',
    tag: 'y',
    full: '[::1]:5000/x:y',
    familiar: '[::1]:5000/x:y',
  },
  { input: '[fe80::1]/x', domain: '[fe80::1]', path: 'x', full: '[fe80::1]/x', familiar: '[fe80::1]/x' },
  // An upper-case first component cannot be a Hub namespace, so Docker takes it as a host.
  { input: 'Example/app', domain: 'Example', path: 'app', full: 'Example/app', familiar: 'Example/app' },
  {
    input: 'myhost:5000/app',
    domain: 'myhost:5000',
    path: 'app',
    full: 'myhost:5000/app',
    familiar: 'myhost:5000/app',
  },
  {
    input: `ghcr.io/o/r@${SHA256}`,
    domain: 'ghcr.io',
    path: 'o/r',
    digest: SHA256,
    full: `ghcr.io/o/r@${SHA256}`,
    familiar: `ghcr.io/o/r@${SHA256}`,
  },
  {
    input: `busybox@${SHA512}`,
    domain: 'docker.io',
    path: 'library/busybox',
    digest: SHA512,
    full: `docker.io/library/busybox@${SHA512}`,
    familiar: `busybox@${SHA512}`,
  },
  {
    input: 'a__b/c.d-e---f',
    domain: 'docker.io',
    path: 'a__b/c.d-e---f',
    full: 'docker.io/a__b/c.d-e---f',
    familiar: 'a__b/c.d-e---f',
  },
  {
    input: 'a-b.example.com/x_y/z',
    domain: 'a-b.example.com',
    path: 'x_y/z',
    full: 'a-b.example.com/x_y/z',
    familiar: 'a-b.example.com/x_y/z',
  },
  {
    input: 'busybox:Latest_1.0-rc',
    domain: 'docker.io',
    path: 'library/busybox',
    tag: 'Latest_1.0-rc',
    full: 'docker.io/library/busybox:Latest_1.0-rc',
    familiar: 'busybox:Latest_1.0-rc',
  },
  {
    input: `busybox:${TAG_128}`,
    domain: 'docker.io',
    path: 'library/busybox',
    tag: TAG_128,
    full: `docker.io/library/busybox:${TAG_128}`,
    familiar: `busybox:${TAG_128}`,
  },
  // A name of exactly 255 characters: docker.io/ plus a 245-character path.
  {
    input: `a/${'b'.repeat(243)}`,
    domain: 'docker.io',
    path: `a/${'b'.repeat(243)}`,
    full: `docker.io/a/${'b'.repeat(243)}`,
    familiar: `a/${'b'.repeat(243)}`,
  },
  // 63 hex characters is a name, not an image ID.
  {
    input: 'a'.repeat(63),
    domain: 'docker.io',
    path: `library/${'a'.repeat(63)}`,
    full: `docker.io/library/${'a'.repeat(63)}`,
    familiar: 'a'.repeat(63),
  },
];

const invalid: Array<[string, string]> = [
  ['', 'empty'],
  ['Busybox', 'upper case in the path'],
  ['user/App', 'upper case in the path'],
  ['busybox:', 'trailing colon'],
  ['busybox@', 'trailing at'],
  ['busybox:tag@', 'trailing at after tag'],
  [':tag', 'no name'],
  [`@sha256:${'a'.repeat(64)}`, 'no name before digest'],
  ['a//b', 'double slash'],
  ['a/', 'trailing slash'],
  ['/a', 'leading slash'],
  ['busybox ', 'trailing space'],
  [' busybox', 'leading space'],
  ['busy box', 'inner space'],
  ['busybox\n', 'trailing newline'],
  ['busybox:la test', 'space in tag'],
  [`busybox:${TAG_128}x`, '129-character tag'],
  ['busybox:.tag', 'tag starting with a dot'],
  ['busybox:-tag', 'tag starting with a dash'],
  ['busybox:a:b', 'colon in tag'],
  ['busybox@sha256:abc', 'short sha256'],
  [`busybox@sha256:${'a'.repeat(63)}`, 'sha256 one short'],
  [`busybox@sha256:${'A'.repeat(64)}`, 'upper-case hex'],
  [`busybox@sha512:${'a'.repeat(64)}`, 'sha512 of sha256 length'],
  [`busybox@md5:${'a'.repeat(32)}`, 'unknown algorithm'],
  [`busybox@${SHA256}@${SHA256}`, 'two digests'],
  ['a'.repeat(64), '64-hex name'],
  ['b'.repeat(246), 'name over 255 after normalisation'],
  [`a/${'b'.repeat(244)}`, '256-character name'],
  [`example.com/${'b'.repeat(244)}`, '256-character name with domain'],
  ['a_b/-c', 'path component starting with a dash'],
  ['a/b_', 'path component ending with a separator'],
  ['a/b..c', 'double dot in path'],
  ['a/b___c', 'triple underscore in path'],
  ['a/b/', 'empty last component'],
  ['example.com:port/x', 'non-numeric port'],
  ['-example.com/x', 'domain starting with a dash'],
  ['example-.com/x', 'domain component ending with a dash'],
  // Docker's own parser would read this as a path on no registry at all; we refuse it.
  ['a_b.example.com/x', 'underscore in domain'],
  ['[::1/x', 'unclosed IPv6 literal'],
  ['[::g]/x', 'non-hex IPv6 literal'],
  ['example.com/x:tag/y', 'slash in tag'],
  ['localhost:5000/', 'domain without path'],
  ['busybox:tag:', 'trailing colon after tag'],
];

describe('parseReference', () => {
  it.each(valid)('parses $input', ({ input, domain, path, tag, digest, full, familiar }) => {
    const ref = parseReference(input);
    expect(ref).toBeInstanceOf(Reference);
    expect({ domain: ref.domain, path: ref.path, tag: ref.tag, digest: ref.digest }).toEqual({
      domain,
      path,
      tag,
      digest,
    });
    expect(ref.name).toBe(`${domain}/${path}`);
    expect(ref.toString()).toBe(full);
    expect(String(ref)).toBe(full);
    expect(ref.familiarString()).toBe(familiar);
  });

  it.each(valid)('round-trips $input through its full and familiar forms', ({ input }) => {
    const ref = parseReference(input);
    expect(parseReference(ref.toString())).toEqual(ref);
    expect(parseReference(ref.familiarString())).toEqual(ref);
  });

  it.each(invalid)('refuses %j (%s)', (input) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (err) {
      caught = err;
    }
    expect(isImageSpecError(caught, 'ERR_REFERENCE_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(JSON.stringify(input));
  });

  it('names the reason in the message', () => {
    expect(() => parseReference('Busybox')).toThrow('repository name must be lowercase');
    expect(() => parseReference('a'.repeat(64))).toThrow('cannot specify 64-byte hexadecimal strings');
    expect(() => parseReference(`a/${'b'.repeat(244)}`)).toThrow(
      'repository name must not be more than 255 characters',
    );
    expect(() => parseReference(`busybox:${TAG_128}x`)).toThrow('invalid tag');
    expect(() => parseReference(`busybox@md5:${'a'.repeat(32)}`)).toThrow('unsupported digest algorithm');
  });

  it('keeps the digest error as the cause', () => {
    try {
      parseReference('busybox@sha256:abc');
      expect.unreachable();
    } catch (err) {
      expect(isImageSpecError((err as Error).cause, 'ERR_DIGEST_INVALID')).toBe(true);
    }
  });
});

describe('familiarName', () => {
  it.each([
    ['busybox:1', 'busybox'],
    ['docker.io/user/x', 'user/x'],
    ['docker.io/library/a/b', 'library/a/b'],
    ['ghcr.io/library/x', 'ghcr.io/library/x'],
    ['localhost:5000/a/b:tag', 'localhost:5000/a/b'],
  ])('%s → %s', (input, expected) => {
    expect(parseReference(input).familiarName).toBe(expected);
  });
});

describe('withDefaultTag', () => {
  it('adds latest to a bare name', () => {
    const ref = withDefaultTag(parseReference('busybox'));
    expect(ref.tag).toBe('latest');
    expect(ref.toString()).toBe('docker.io/library/busybox:latest');
    expect(ref.familiarString()).toBe('busybox:latest');
  });

  it('keeps a written tag', () => {
    const ref = parseReference('busybox:1.36');
    expect(withDefaultTag(ref)).toBe(ref);
  });

  it('adds no tag to a digest reference', () => {
    const ref = withDefaultTag(parseReference(`busybox@${SHA256}`));
    expect(ref.tag).toBeUndefined();
    expect(ref.toString()).toBe(`docker.io/library/busybox@${SHA256}`);
  });
});

describe('Reference constructor', () => {
  it('builds from normalised parts', () => {
    const ref = new Reference({ domain: 'ghcr.io', path: 'o/r', tag: 'v1' });
    expect(ref.toString()).toBe('ghcr.io/o/r:v1');
    expect(ref.digest).toBeUndefined();
  });

  it.each([
    { domain: 'ghcr.io', path: 'O/r' },
    { domain: 'bad_host', path: 'r' },
    { domain: 'ghcr.io', path: 'r', tag: '' },
    { domain: 'ghcr.io', path: 'r', digest: 'sha256:abc' },
  ])('refuses %j', (parts) => {
    expect(() => new Reference(parts)).toThrow(expect.objectContaining({ code: 'ERR_REFERENCE_INVALID' }));
  });
});
