import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';

describe('berthd system endpoints', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('answers docker version with API version negotiation down to 1.41', async () => {
    const { stdout } = await daemon.cli([
      'version',
      '--format',
      '{{.Server.APIVersion}} {{.Client.APIVersion}}',
    ]);
    expect(stdout.trim()).toBe('1.55 1.41');
  });

  it('listens on a socket only its owner and group may use', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(daemon.socket).mode & 0o777).toBe(0o660);
  });

  it('serves /info through dockerode', async () => {
    const info = await daemon.docker.info();
    expect(info.OSType).toBe('linux');
    expect(info.DockerRootDir).toBe(daemon.dataRoot);
  });

  it('rejects a too-new API version and an unknown path with Docker messages', async () => {
    const res = await fetchSocket(daemon.socket, '/v9.99/version');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/client version 9.99 is too new/);
    const missing = await fetchSocket(daemon.socket, '/v1.41/nothing-here');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ message: 'page not found' });
  });

  it('refuses a second daemon on the same pid file', async () => {
    const { spawnSync } = await import('node:child_process');
    const { ENGINE_DIST } = await import('./harness/berthd.js');
    const r = spawnSync(process.execPath, [`${ENGINE_DIST}/berthd.js`, ...daemon.flags], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/pid file found/);
  });
});

describe('berthd configuration', () => {
  it('refuses a bad daemon.json with an error naming the key, and starts nothing', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ENGINE_DIST } = await import('./harness/berthd.js');
    const dir = await mkdtemp(join(tmpdir(), 'berth-test-'));
    try {
      const start = (config: unknown) => {
        const file = join(dir, 'daemon.json');
        return writeFile(file, typeof config === 'string' ? config : JSON.stringify(config)).then(() =>
          spawnSync(
            process.execPath,
            [
              `${ENGINE_DIST}/berthd.js`,
              '--config-file',
              file,
              '-H',
              `unix://${dir}/b.sock`,
              '--data-root',
              `${dir}/data`,
              '--exec-root',
              `${dir}/run`,
            ],
            { encoding: 'utf8' },
          ),
        );
      };
      const unknown = await start({ 'registry-mirors': ['https://m.example'] });
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(/registry-mirors?.*unknown key|unknown key.*registry-mirors/);
      const wrongType = await start({ 'max-concurrent-downloads': 'three' });
      expect(wrongType.status).toBe(1);
      expect(wrongType.stderr).toMatch(/max-concurrent-downloads/);
      const notJson = await start('{ "data-root": ');
      expect(notJson.status).toBe(1);
      expect(notJson.stderr).toMatch(/not valid JSON/);
      const badDriver = await start({ 'storage-driver': 'zfs' });
      expect(badDriver.stderr).toMatch(/storage-driver/);
      expect(existsSync(join(dir, 'data'))).toBe(false);
      expect(existsSync(join(dir, 'b.sock'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function fetchSocket(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
