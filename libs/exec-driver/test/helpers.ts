import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { busyboxRootfs } from '@berth/fixtures';
import { openCgroup } from '@berth/libcontainer';
import { ExecDriver, type Spec, type SpecOverrides, specFromImage } from '../src/index.js';

export interface Sandbox {
  dir: string;
  bundle: string;
  rootfs: string;
  driver: ExecDriver;
  /** The driver's own cgroup parent, e.g. `berth-test-x1y2z3`. */
  cgroupParent: string;
  ids: string[];
  /** A unique container ID, removed by cleanup(). */
  id(name: string): string;
  spec(cmd: string[], overrides?: Partial<SpecOverrides>): Promise<Spec>;
  cleanup(): Promise<void>;
}

let n = 0;

/** A temp dir with a bundle (a private busybox rootfs) and a driver root; cleanup removes containers too. */
export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-test-'));
  await chmod(dir, 0o755);
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  execFileSync('mkdir', ['-p', bundle]);
  execFileSync('cp', ['-a', await busyboxRootfs(), rootfs]);
  // A cgroup parent of its own, removed with the sandbox: tests leave nothing under `berth`.
  const cgroupParent = `berth-test-${basename(dir).slice('berth-test-'.length)}`;
  const driver = new ExecDriver({ root: join(dir, 'state'), cgroupParent });
  const ids: string[] = [];
  return {
    dir,
    bundle,
    rootfs,
    driver,
    cgroupParent,
    ids,
    id(name) {
      const id = `berth-test-${name}-${process.pid}-${n++}`;
      ids.push(id);
      return id;
    },
    spec(cmd, overrides = {}) {
      return specFromImage(
        {
          architecture: 'amd64',
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [] },
          config: { Cmd: ['sh'] },
        },
        { rootfs, rootPath: 'rootfs', cmd, ...overrides },
      );
    },
    async cleanup() {
      for (const id of ids) await driver.delete(id, { force: true }).catch(() => undefined);
      await openCgroup(cgroupParent).remove({ kill: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

/** Runs a container to completion, collecting its output. */
export async function runToEnd(s: Sandbox, name: string, spec: Spec) {
  const id = s.id(name);
  await s.driver.create({ id, bundle: s.bundle, spec });
  const a = await s.driver.attach(id);
  const out = text(a.stdout);
  const err = text(a.stderr);
  await s.driver.start(id);
  const status = await s.driver.wait(id);
  return { id, status, stdout: await out, stderr: await err };
}
