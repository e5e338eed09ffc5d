import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { busyboxImage, type RegistryHandle, startRegistry } from '@berth/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../run.mjs');

/** What the script could leave behind on the host (its links are `cr<hex>…`), to compare before and after. */
function hostObjects(stateDir: string, bridge: string) {
  const links = readdirSync('/sys/class/net').filter(
    (name) => name === bridge || /^cr[0-9a-f]{4}/.test(name),
  );
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(stateDir));
  const cgroupRoot = existsSync('/sys/fs/cgroup/memory') ? '/sys/fs/cgroup/memory' : '/sys/fs/cgroup';
  const cgroups = readdirSync(cgroupRoot).filter((name) => name.startsWith('berth-custom-'));
  return { links, mounts, cgroups };
}

function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe.skipIf(process.getuid?.() !== 0)('examples/custom-runtime/run.mjs', () => {
  let registry: RegistryHandle;
  let state: string;
  beforeAll(async () => {
    registry = await startRegistry();
    state = await mkdtemp(join(tmpdir(), 'berth-test-custom-runtime-'));
    const busybox = await busyboxImage();
    await run('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${busybox.layout}:latest`,
      `docker://${registry.host}/busybox:latest`,
    ]);
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(state, { recursive: true, force: true });
  });

  it('pulls, unpacks, networks and runs busybox, prints its output, and leaves nothing behind', async () => {
    const bridge = `btcr${randomBytes(3).toString('hex')}`;
    const subnet = `10.${200 + ((randomBytes(1)[0] as number) % 50)}.${randomBytes(1)[0]}.0/24`;
    const before = hostObjects(state, bridge);

    const result = await runScript([
      '--state',
      state,
      '--bridge',
      bridge,
      '--subnet',
      subnet,
      `${registry.host}/busybox:latest`,
      'sh',
      '-c',
      'echo hello-from-custom-runtime; ip -4 -o addr show eth0',
    ]);

    expect(result.stderr).not.toMatch(/error|cleanup/);
    expect(result.code).toBe(0);
    const [greeting, address] = result.stdout.trim().split('\n');
    expect(greeting).toBe('hello-from-custom-runtime');
    // The container sat on the bridge network it was given (the first address after the gateway).
    expect(address).toContain(`inet ${subnet.replace(/0\/24$/, '2/24')}`);
    expect(result.stderr).toMatch(/pulled .*busybox:latest sha256:/);

    const after = hostObjects(state, bridge);
    expect(after).toEqual(before);
    expect(after.links).toEqual([]);
    expect(await readdir(state)).toEqual([]);
    const { stdout: tables } = await run('nft', ['list', 'tables']);
    expect(tables).not.toMatch(/berth_cr_/);
  });

  it('says how to use it when no image is given', async () => {
    const result = await runScript([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage: node run.mjs/);
  });
});
