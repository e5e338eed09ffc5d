import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleMemoryTrim } from '../src/daemon/idle-memory-trim.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('IdleMemoryTrim', () => {
  it('trims only once requests stop, at each delay after the last one, then stays quiet', () => {
    vi.useFakeTimers();
    let trims = 0;
    const idle = new IdleMemoryTrim([60, 120], () => trims++);
    for (let i = 0; i < 4; i++) {
      idle.activity();
      vi.advanceTimersByTime(30); // busier than the first delay: no trim yet
    }
    expect(trims).toBe(0);
    vi.advanceTimersByTime(30);
    expect(trims).toBe(1);
    vi.advanceTimersByTime(119);
    expect(trims).toBe(1);
    vi.advanceTimersByTime(1);
    expect(trims).toBe(2);
    vi.advanceTimersByTime(10_000);
    expect(trims).toBe(2); // no more until the next request
    idle.activity();
    idle.stop();
    vi.advanceTimersByTime(10_000);
    expect(trims).toBe(2);
  });
});
