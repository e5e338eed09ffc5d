import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { IdleMemoryTrim } from '../src/daemon/idle-memory-trim.js';

describe('IdleMemoryTrim', () => {
  it('trims only once requests stop, at each delay after the last one, then stays quiet', async () => {
    const trims: number[] = [];
    const started = Date.now();
    const idle = new IdleMemoryTrim([60, 120], () => trims.push(Date.now() - started));
    for (let i = 0; i < 4; i++) {
      idle.activity();
      await sleep(30); // busier than the first delay: no trim yet
    }
    expect(trims).toEqual([]);
    await sleep(300);
    expect(trims).toHaveLength(2);
    expect((trims[1] as number) - (trims[0] as number)).toBeGreaterThanOrEqual(110);
    idle.activity();
    idle.stop();
    await sleep(100);
    expect(trims).toHaveLength(2);
  });
});
