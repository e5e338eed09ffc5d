import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { berth, runBerth } from './harness/cli.js';

describe('berth version / info and the client plumbing', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('prints client and server versions like docker version', async () => {
    const r = await berth(daemon, ['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client:\n Version: +0\.1\.0\n API version: +1\.55\n/);
    expect(r.stdout).toMatch(/\nServer: Berth Engine\n Engine:\n {2}Version: +0\.1\.0\n/);
    expect(r.stdout).toMatch(/ {2}API version: +1\.55 \(minimum version 1\.12\)/);
  });

  it('negotiates the API version and formats with Go templates', async () => {
    const r = await berth(daemon, ['version', '--format', '{{.Server.APIVersion}} {{.Client.APIVersion}}']);
    expect(r.stdout).toBe('1.55 1.55\n');
    const pinned = await berth(daemon, ['version', '-f', '{{.Client.APIVersion}}'], {
      env: { BERTH_API_VERSION: '1.41' },
    });
    expect(pinned.stdout).toBe('1.41\n');
    const json = await berth(daemon, ['version', '--format', '{{json .Server.Os}}']);
    expect(json.stdout).toBe('"linux"\n');
  });

  it('prints docker info, and info --format', async () => {
    const r = await berth(daemon, ['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Server:\n Containers: ');
    expect(r.stdout).toContain(` Berth Root Dir: ${daemon.dataRoot}\n`);
    const f = await berth(daemon, ['info', '--format', '{{.OSType}}/{{.DockerRootDir}}']);
    expect(f.stdout).toBe(`linux/${daemon.dataRoot}\n`);
  });

  it('finds the daemon through BERTH_HOST, then DOCKER_HOST', async () => {
    const viaBerthHost = await berth(daemon, ['version', '-f', '{{.Server.Os}}'], {
      noHost: true,
      env: { BERTH_HOST: `unix://${daemon.socket}`, DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    expect(viaBerthHost.stdout).toBe('linux\n');
    const viaDockerHost = await berth(daemon, ['info', '-f', '{{.OSType}}'], {
      noHost: true,
      env: { DOCKER_HOST: `unix://${daemon.socket}` },
    });
    expect(viaDockerHost.stdout).toBe('linux\n');
  });

  it('says when it cannot reach a daemon, and rejects bad flags and templates', async () => {
    const r = await runBerth(['-H', 'unix:///nonexistent/berth.sock', 'info']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Cannot connect to the Berth daemon at unix:///nonexistent/berth.sock. Is the berth daemon running?\n',
    );
    const tcp = await runBerth(['-H', 'tcp://127.0.0.1:2375', 'info']);
    expect(tcp.code).toBe(1);
    expect(tcp.stderr).toMatch(/unsupported host/);
    const bad = await berth(daemon, ['info', '--bogus']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/unknown option '--bogus'/);
    const template = await berth(daemon, ['info', '--format', '{{nosuchfunc .}}']);
    expect(template.code).toBe(1);
    expect(template.stderr).toMatch(/function "nosuchfunc" not defined/);
  });
});
