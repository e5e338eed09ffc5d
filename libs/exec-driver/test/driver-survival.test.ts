import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecDriver } from '../src/index.js';
import { type Sandbox, sandbox } from './helpers.js';

const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
});

describe.skipIf(process.getuid?.() !== 0)('containers outlive the driver', () => {
  it('a new driver on the same root finds a container made by a process that has exited', async () => {
    const s = await sandbox();
    boxes.push(s);
    const id = s.id('survivor');
    const spec = await s.spec(['sh', '-c', 'echo started; sleep 1000']);
    // Another Node process creates and starts it, then exits.
    const script = `
      const { ExecDriver } = await import(${JSON.stringify(join(import.meta.dirname, '../dist/index.js'))});
      const d = new ExecDriver({ root: ${JSON.stringify(s.driver.root)}, cgroupParent: ${JSON.stringify(s.cgroupParent)} });
      await d.create({ id: ${JSON.stringify(id)}, bundle: ${JSON.stringify(s.bundle)}, spec: ${JSON.stringify(spec)} });
      await d.start(${JSON.stringify(id)});
      process.stdout.write(String((await d.state(${JSON.stringify(id)})).pid));`;
    const pid = Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    );
    expect(pid).toBeGreaterThan(0);
    const fresh = new ExecDriver({ root: s.driver.root, cgroupParent: s.cgroupParent });
    expect(await fresh.state(id)).toMatchObject({ id, status: 'running', pid, bundle: s.bundle });
    expect((await fresh.list()).map((c) => c.id)).toEqual([id]);
    const logs = [];
    for await (const e of fresh.logs(id)) logs.push(e.log);
    expect(logs).toEqual(['started\n']);
    expect(await fresh.stop(id, { timeout: 0.2 })).toMatchObject({ exitCode: 137 });
    await fresh.delete(id);
    expect(await fresh.list()).toEqual([]);
  });
});
