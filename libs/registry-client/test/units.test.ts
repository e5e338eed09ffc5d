import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  isLoopbackHost,
  mirrorsFor,
  nextLink,
  normalizeAuthKey,
  parseRetryAfter,
  parseWwwAuthenticate,
  referrersTag,
} from '../src/index.js';
import { releaseBuffers } from '../src/transport/release-memory.js';

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge with quoted values holding commas', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:samalba/my-app:pull,push',
        },
      },
    ]);
  });
  it('reads several challenges, escapes, token values and odd spacing', () => {
    expect(
      parseWwwAuthenticate('Basic realm="a \\"b\\"", Bearer realm=x ,  error="insufficient_scope"'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'bearer', params: { realm: 'x', error: 'insufficient_scope' } },
    ]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('=garbage')).toEqual([]);
  });
});

describe('small parsers', () => {
  it('nextLink finds rel="next"', () => {
    expect(nextLink('</v2/x/tags/list?n=2&last=b>; rel="next"')).toBe('/v2/x/tags/list?n=2&last=b');
    expect(nextLink('<https://a/prev>; rel="prev", <https://a/next>; rel=next')).toBe('https://a/next');
    expect(nextLink(undefined)).toBeUndefined();
  });
  it('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
  it('referrersTag follows the spec table', () => {
    expect(referrersTag(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}`);
    expect(referrersTag(`sha512:${'a'.repeat(128)}`)).toBe(`sha512-${'a'.repeat(64)}`);
    expect(
      referrersTag(
        'test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation',
      ),
    ).toBe(
      'test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot',
    );
  });
  it('normalises Docker config keys and knows loopback hosts', () => {
    expect(normalizeAuthKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeAuthKey('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
    expect(isLoopbackHost('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackHost('[::1]:5000')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('registry.example:5000')).toBe(false);
  });
  it('applies registry-mirrors to Docker Hub only', () => {
    const settings = { registryMirrors: ['https://mirror.example', 'mirror2.example:5000'] };
    expect(mirrorsFor('docker.io', settings).map(String)).toEqual([
      'https://mirror.example/',
      'https://mirror2.example:5000/',
    ]);
    expect(mirrorsFor('ghcr.io', settings)).toEqual([]);
  });
});

describe('releaseBuffers', () => {
  it('frees only buffers that are the whole of their memory, never slices or pooled buffers', () => {
    const whole = Buffer.allocUnsafeSlow(64 * 1024).fill(1);
    const backing = Buffer.allocUnsafeSlow(64 * 1024).fill(2);
    const slice = backing.subarray(100);
    const pooled = Buffer.from('small, from the shared pool');
    const small = Buffer.allocUnsafeSlow(100).fill(3);
    releaseBuffers([whole, slice, pooled, small]);
    expect(whole.length).toBe(0); // detached: its memory is gone
    expect(backing.length).toBe(64 * 1024);
    expect(slice.length).toBe(64 * 1024 - 100);
    expect(slice[0]).toBe(2);
    expect(pooled.toString()).toBe('small, from the shared pool');
    expect(small[0]).toBe(3);
  });

  it('runs its collections (every 8 MB handed over) without leaving `gc` to the application', () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc;
    // 9 MB handed over: the collector has been reached and called at least once.
    for (let i = 0; i < 9 * 16; i++) releaseBuffers([Buffer.allocUnsafeSlow(64 * 1024)]);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(hadGc);
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
