import { afterEach, describe, expect, it } from 'vitest';
import { type Container, createContainer } from '../src/index.js';
import { busyboxSpec, makeBundle, type TestBundle } from './container-bundle.js';

const bundles: TestBundle[] = [];
const containers: Container[] = [];
afterEach(async () => {
  for (const c of containers.splice(0)) await c.delete({ force: true }).catch(() => undefined);
  for (const b of bundles.splice(0)) await b.cleanup();
});

describe.skipIf(process.getuid?.() !== 0)('handing a container off to the caller’s reaper', () => {
  it('the monitor leaves at start; wait() follows the process itself, not the monitor', async () => {
    const b = await makeBundle();
    bundles.push(b);
    const c = await createContainer({
      id: 'berth-test-handoff',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec: busyboxSpec(['sleep', '0.5']),
      handOff: true,
    });
    containers.push(c);
    expect(await c.status()).toBe('created');
    // Waited for before the start: the monitor leaving at start must not end the wait.
    const waited = c.wait().then(
      () => 'status',
      (err) => err.code,
    );
    await c.start();
    for (let i = 0; i < 50 && c.monitorAlive(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(c.monitorAlive()).toBe(false);
    expect(await c.status()).toBe('running');
    // The exit status went to the reaper: wait() ends when the process does, and says so.
    expect(await waited).toBe('ERR_MONITOR_LOST');
    expect(await c.status()).toBe('stopped');
  });
});
