import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Container, createContainer, loadContainer } from '../src/index.js';
import { nativeBuildDir, packageRoot } from '../src/package-root.js';
import { busyboxSpec, makeBundle, type TestBundle } from './container-bundle.js';

const bundles: TestBundle[] = [];
const containers: Container[] = [];
afterEach(async () => {
  for (const c of containers.splice(0)) await c.delete({ force: true }).catch(() => undefined);
  for (const b of bundles.splice(0)) await b.cleanup();
});

describe('a container outlives the process that made it', () => {
  it('keeps running after that Node process exits; another one re-attaches and gets the exit code', async () => {
    const b = await makeBundle();
    bundles.push(b);
    const script = `
      const { createContainer } = await import(${JSON.stringify(join(packageRoot, 'dist', 'index.js'))});
      const spec = JSON.parse(process.argv[1]);
      const c = await createContainer({ id: 'berth-test-survivor', stateRoot: ${JSON.stringify(b.stateRoot)}, bundle: ${JSON.stringify(b.dir)}, spec, logPath: ${JSON.stringify(join(b.dir, 'log.json'))} });
      await c.start();
      process.stdout.write(String(c.pid));
      process.exit(0);
    `;
    const spec = busyboxSpec(['sh', '-c', 'trap "exit 42" USR1; echo up; while true; do sleep 0.05; done']);
    const pid = Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(spec)], {
        encoding: 'utf8',
      }).trim(),
    );

    const c = await loadContainer(b.stateRoot, 'berth-test-survivor');
    containers.push(c);
    expect(c.pid).toBe(pid);
    expect(await c.status()).toBe('running');
    const waiting = c.wait();
    c.kill('SIGUSR1');
    expect(await waiting).toMatchObject({ exitCode: 42, started: true });
    expect(readFileSync(join(b.dir, 'log.json'), 'utf8')).toContain('"log":"up\\n"');
  });

  it('records the exit status when no Node process is watching', async () => {
    const b = await makeBundle();
    bundles.push(b);
    const c = await createContainer({
      id: 'berth-test-unwatched',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec: busyboxSpec(['sh', '-c', 'exit 5']),
    });
    containers.push(c);
    await c.start();
    // A fresh handle, as a restarted daemon would have, finds the status on disk.
    const again = await loadContainer(b.stateRoot, 'berth-test-unwatched');
    expect(await again.wait()).toMatchObject({ exitCode: 5 });
    expect(await again.status()).toBe('stopped');
  });
});

describe('the runtime binary cannot be overwritten from a container (CVE-2019-5736)', () => {
  it('runs the monitor and the container init from a sealed memfd copy', async () => {
    const b = await makeBundle();
    bundles.push(b);
    const onDisk = join(nativeBuildDir(), 'berth-monitor');
    const before = createHash('sha256').update(readFileSync(onDisk)).digest('hex');
    const c = await createContainer({
      id: 'berth-test-sealed',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec: busyboxSpec(['true']),
    });
    containers.push(c);
    // Before start, the init is still the runtime: exactly what an attacker inside would reach.
    for (const pid of [c.pid, c.record.monitorPid]) {
      expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:berth-monitor/);
      let failure: NodeJS.ErrnoException | undefined;
      try {
        const fd = openSync(`/proc/${pid}/exe`, 'r+');
        try {
          writeSync(fd, Buffer.from('#!/bin/sh\necho pwned\n'));
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        failure = err as NodeJS.ErrnoException;
      }
      // Refused while it runs (ETXTBSY) or by the seals (EPERM); and it is only a copy anyway.
      expect(['ETXTBSY', 'EPERM']).toContain(failure?.code);
      // F_GET_SEALS (1034): write, grow, shrink and seal are sealed for good, so the copy can
      // never change either, running or not. (Node has no fcntl; python3 is on Debian.)
      const seals = execFileSync(
        'python3',
        ['-c', `import fcntl,os; print(fcntl.fcntl(os.open("/proc/${pid}/exe", os.O_RDONLY), 1034))`],
        {
          encoding: 'utf8',
        },
      );
      expect(Number(seals) & 0xf).toBe(0xf);
    }
    expect(createHash('sha256').update(readFileSync(onDisk)).digest('hex')).toBe(before);
  });
});
