import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { berth } from './harness/cli.js';

describe('berth network commands', () => {
  let daemon: TestDaemon;
  const cli = (args: string[], options?: Parameters<typeof berth>[2]) => berth(daemon, args, options);
  // A subnet beside the daemon's own bridge subnet (10.2xx.y.0/24), so it never overlaps.
  let subnet: string;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
    const [a, b, c] = daemon.bip.split('.');
    subnet = `${a}.${b}.${(Number(c) + 1) % 256}.0/24`;
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('creates, lists, inspects and removes a network', async () => {
    const created = await cli([
      'network',
      'create',
      '--subnet',
      subnet,
      '--label',
      'berth-test=1',
      'berth-test-net',
    ]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    const ls = await cli(['network', 'ls']);
    expect(ls.stdout).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n/);
    expect(ls.stdout).toMatch(new RegExp(`\\n${id.slice(0, 12)}\\s+berth-test-net\\s+bridge\\s+local\\n`));
    expect(ls.stdout).toMatch(/\n[a-f0-9]{12}\s+bridge\s+bridge\s+local\n/);
    const names = await cli(['network', 'ls', '--format', '{{.Name}}', '--filter', 'label=berth-test=1']);
    expect(names.stdout).toBe('berth-test-net\n');
    expect((await cli(['network', 'ls', '-q', '--filter', 'name=berth-test-net'])).stdout).toBe(
      `${id.slice(0, 12)}\n`,
    );
    const inspect = await cli([
      'network',
      'inspect',
      '-f',
      '{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}',
      'berth-test-net',
    ]);
    expect(inspect.stdout).toBe(`berth-test-net ${subnet}\n`);
    const duplicate = await cli(['network', 'create', 'berth-test-net']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/^Error response from daemon: .*berth-test-net.*exists/);
  });

  it('runs a container on it, connects and disconnects another', async () => {
    const r = await cli([
      'run',
      '--rm',
      '--network',
      'berth-test-net',
      'busybox',
      'ip',
      '-4',
      '-o',
      'addr',
      'show',
      'eth0',
    ]);
    expect(r.code).toBe(0);
    const prefix = subnet.split('.').slice(0, 3).join('.');
    expect(r.stdout).toContain(`inet ${prefix}.`);
    await cli(['run', '-d', '--name', 'berth-test-joiner', 'busybox', 'sleep', '30']);
    expect(
      (await cli(['network', 'connect', '--ip', `${prefix}.50`, 'berth-test-net', 'berth-test-joiner'])).code,
    ).toBe(0);
    const attached = await cli([
      'network',
      'inspect',
      '-f',
      '{{range .Containers}}{{.Name}}={{.IPv4Address}}{{end}}',
      'berth-test-net',
    ]);
    expect(attached.stdout).toBe(`berth-test-joiner=${prefix}.50/24\n`);
    const busy = await cli(['network', 'rm', 'berth-test-net']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/^Error response from daemon: /);
    expect((await cli(['network', 'disconnect', 'berth-test-net', 'berth-test-joiner'])).code).toBe(0);
    await cli(['rm', '-f', 'berth-test-joiner']);
    expect((await cli(['network', 'rm', 'berth-test-net'])).stdout).toBe('berth-test-net\n');
    const gone = await cli(['network', 'inspect', 'berth-test-net']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error: No such network: berth-test-net\n');
  });

  it('prunes unused networks after asking', async () => {
    await cli(['network', 'create', 'berth-test-unused']);
    const declined = await cli(['network', 'prune'], { input: 'n\n' });
    expect(declined.stdout).toContain('Are you sure you want to continue? [y/N] ');
    expect(declined.stdout).not.toContain('Deleted Networks');
    const pruned = await cli(['network', 'prune'], { input: 'y\n' });
    expect(pruned.stdout).toContain('Deleted Networks:\nberth-test-unused\n');
    const forced = await cli(['network', 'prune', '-f']);
    expect(forced).toMatchObject({ stdout: '', code: 0 });
  });
});
