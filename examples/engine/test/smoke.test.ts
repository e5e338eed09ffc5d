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
