import { describe, expect, it } from 'vitest';
import { afterProbe, mergeHealthcheck, probeCommand, probeTimings } from '../src/containers/health-check.js';

const S = 1_000_000_000;

describe('healthcheck rules', () => {
  it('merges the container healthcheck over the image one field by field', () => {
    const image = { Test: ['CMD', 'check'], Interval: 10 * S, Retries: 5 };
    expect(mergeHealthcheck(undefined, image)).toEqual(image);
    expect(mergeHealthcheck({ Interval: 2 * S }, image)).toMatchObject({
      Test: ['CMD', 'check'],
      Interval: 2 * S,
      Retries: 5,
    });
    expect(probeCommand(mergeHealthcheck({ Test: ['NONE'] }, image))).toBeUndefined();
  });

  it('turns CMD and CMD-SHELL into a command, with Docker’s default timings', () => {
    expect(probeCommand({ Test: ['CMD-SHELL', 'curl -f localhost || exit 1'] })).toEqual([
      '/bin/sh',
      '-c',
      'curl -f localhost || exit 1',
    ]);
    expect(probeCommand({ Test: ['CMD', 'pg_isready', '-q'] })).toEqual(['pg_isready', '-q']);
    expect(probeTimings({})).toEqual({
      interval: 30_000,
      timeout: 30_000,
      startPeriod: 0,
      startInterval: 5_000,
      retries: 3,
    });
  });

  it('ignores failures in the start period, counts them after, and keeps five probes', () => {
    const fail = { Start: '', End: '', ExitCode: 1, Output: '' };
    let h = { Status: 'starting' as const, FailingStreak: 0, Log: [] } as Parameters<typeof afterProbe>[0];
    h = afterProbe(h, fail, { retries: 2, inStartPeriod: true });
    expect(h).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    h = afterProbe(h, fail, { retries: 2, inStartPeriod: false });
    expect(h).toMatchObject({ Status: 'starting', FailingStreak: 1 });
    for (let i = 0; i < 4; i++) h = afterProbe(h, fail, { retries: 2, inStartPeriod: false });
    expect(h).toMatchObject({ Status: 'unhealthy', FailingStreak: 5 });
    expect(h.Log).toHaveLength(5);
    expect(afterProbe(h, { ...fail, ExitCode: 0 }, { retries: 2, inStartPeriod: false })).toMatchObject({
      Status: 'healthy',
      FailingStreak: 0,
    });
  });
});
