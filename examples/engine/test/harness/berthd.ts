import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ExecDriver } from '@berth/exec-driver';
import { NetworkDriver } from '@berth/network-driver';
import Docker from 'dockerode';
import { interfacePrefixOf } from '../../src/networks/interface-prefix.js';

const run = promisify(execFile);

/** The built daemon; helpers working side by side build into their own dir (BERTH_ENGINE_DIST). */
export const ENGINE_DIST = resolve(import.meta.dirname, '../..', process.env.BERTH_ENGINE_DIST ?? 'dist');
/** Debian's docker 20.10 CLI (API 1.41), what CI installs. */
export const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export interface BerthdOptions {
  /** Extra daemon flags. */
  args?: string[];
  /** daemon.json content. */
  config?: Record<string, unknown>;
  storageDriver?: 'overlay' | 'vfs';
}

/** A berthd on its own socket, roots, bridge and subnet, so that tests and daemons never collide. */
export class TestDaemon {
  readonly dir: string;
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly bridge: string;
  readonly bip: string;
  readonly docker: Docker;
  process: ChildProcess | undefined;
  log = '';

  private constructor(
    dir: string,
    readonly options: BerthdOptions,
  ) {
    this.dir = dir;
    this.socket = join(dir, 'berth.sock');
    this.dataRoot = join(dir, 'data');
    this.execRoot = join(dir, 'run');
    this.bridge = `bt${randomBytes(3).toString('hex')}`;
    this.bip = `10.${200 + ((randomBytes(1)[0] as number) % 50)}.${randomBytes(1)[0]}.1/24`;
    this.docker = new Docker({ socketPath: this.socket });
  }

  static async start(options: BerthdOptions = {}): Promise<TestDaemon> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-test-'));
    const daemon = new TestDaemon(dir, options);
    await daemon.startProcess();
    return daemon;
  }

  get flags(): string[] {
    const flags = [
      '-H',
      `unix://${this.socket}`,
      '--data-root',
      this.dataRoot,
      '--exec-root',
      this.execRoot,
      '--bridge-name',
      this.bridge,
      '--bip',
      this.bip,
      '--config-file',
      join(this.dir, 'daemon.json'),
      ...(this.options.storageDriver ? ['--storage-driver', this.options.storageDriver] : []),
      ...(this.options.args ?? []),
    ];
    return flags;
  }

  /** Starts (or restarts) the daemon process and waits until `/_ping` answers. */
  async startProcess(): Promise<void> {
    await writeFile(join(this.dir, 'daemon.json'), JSON.stringify(this.options.config ?? {}));
    const child = spawn(process.execPath, [join(ENGINE_DIST, 'berthd.js'), ...this.flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    child.stdout?.on('data', (d) => {
      this.log += d;
    });
    child.stderr?.on('data', (d) => {
      this.log += d;
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`berthd exited with ${code}:\n${this.log}`))),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await Promise.race([this.ping(), exited]);
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`berthd did not answer within 30 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socket, path: '/_ping' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /** Runs the docker CLI against this daemon. Rejects on a non-zero exit unless `allowFail`. */
  async cli(
    args: string[],
    options: { allowFail?: boolean; input?: string; timeout?: number } = {},
  ): Promise<{ stdout: string; stderr: string; code: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(DOCKER_CLI, ['-H', `unix://${this.socket}`, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, DOCKER_CONFIG: join(this.dir, 'docker-config') },
        timeout: options.timeout ?? 60_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.stdin.end(options.input ?? '');
      child.on('close', (code) => {
        const result = { stdout, stderr, code: code ?? -1 };
        if (code !== 0 && !options.allowFail) {
          reject(
            new Error(`docker ${args.join(' ')} exited ${code}\n${stderr}\n--- berthd log ---\n${this.log}`),
          );
        } else resolve(result);
      });
    });
  }

  /** SIGTERM and wait (containers keep running, as with dockerd). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /**
   * Removes everything this daemon made: its containers (by the exec driver on its exec root), its
   * networks (bridge, veths, nft table), mounts under its roots, and its directories.
   */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    const exec = new ExecDriver({
      root: join(this.execRoot, 'runtime'),
      cgroupParent: `berth-${this.bridge}`,
    });
    for (const c of await exec.list().catch(() => [])) {
      await exec.delete(c.id, { force: true }).catch(() => undefined);
    }
    await exec.removeCgroupParent().catch(() => undefined);
    const network = await NetworkDriver.open({
      root: join(this.dataRoot, 'network'),
      runRoot: join(this.execRoot, 'network'),
      table: `berth_${this.bridge}`,
      ifPrefix: interfacePrefixOf(this.bridge),
      defaultNetwork: false,
    }).catch(() => undefined);
    await network?.destroyAll().catch(() => undefined);
    await network?.close().catch(() => undefined);
    await run('ip', ['link', 'del', this.bridge]).catch(() => undefined);
    await run('nft', ['delete', 'table', 'ip', `berth_${this.bridge}`]).catch(() => undefined);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((p): p is string => !!p && p.startsWith(this.dir))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
