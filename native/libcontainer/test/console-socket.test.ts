import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Container, createContainer } from '../src/index.js';
import { busyboxSpec, makeBundle, type TestBundle } from './container-bundle.js';

const bundles: TestBundle[] = [];
const containers: Container[] = [];
afterEach(async () => {
  for (const c of containers.splice(0)) await c.delete({ force: true }).catch(() => undefined);
  for (const b of bundles.splice(0)) await b.cleanup();
});

// A console-socket receiver as engines have one (conmon, containerd's shim): it accepts one
// connection, takes the fd sent with SCM_RIGHTS, and reads the terminal until the container
// has closed it. Python, because Node cannot receive descriptors over a Unix socket.
const RECEIVER = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 1)
print("name=" + msg.decode(), flush=True)
fd = fds[0]
out = b""
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d: break
    out += d
print("got=" + out.decode().replace("\\r", "").replace("\\n", "|"), flush=True)
`;

describe.skipIf(process.getuid?.() !== 0)('console socket (berthConsoleSocket)', () => {
  it('sends the pty master to the socket; the receiver alone reads the terminal', async () => {
    const b = await makeBundle();
    bundles.push(b);
    const socketPath = join(b.dir, 'console.sock');
    const receiver = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    const listening = new Promise<void>((resolve) =>
      receiver.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        if (output.includes('listening')) resolve();
      }),
    );
    const exited = new Promise<void>((resolve) => receiver.on('exit', () => resolve()));
    await listening;
    const spec = busyboxSpec(['sh', '-c', 'tty; echo from-tty'], {
      process: { terminal: true, berthConsoleSocket: socketPath },
    });
    const c = await createContainer({
      id: 'berth-test-console',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec,
      logPath: join(b.dir, 'log.json'),
    });
    containers.push(c);
    await c.start();
    expect(await c.wait()).toMatchObject({ exitCode: 0 });
    await exited;
    expect(output).toMatch(/name=\/dev\/pts\/\d+/);
    expect(output).toContain('got=/dev/pts/0|from-tty|');
    // The monitor kept no copy of the master: nothing reached its log.
    expect(
      existsSync(join(b.dir, 'log.json'))
        ? (await import('node:fs')).readFileSync(join(b.dir, 'log.json'), 'utf8')
        : '',
    ).toBe('');
  });

  it('fails create when nobody listens on the socket, leaving nothing behind', async () => {
    const b = await makeBundle();
    bundles.push(b);
    const spec = busyboxSpec(['true'], {
      process: { terminal: true, berthConsoleSocket: join(b.dir, 'nobody.sock') },
    });
    await expect(
      createContainer({ id: 'berth-test-console2', stateRoot: b.stateRoot, bundle: b.dir, spec }),
    ).rejects.toMatchObject({
      code: 'ERR_CONTAINER_START_FAILED',
      syscall: 'connect',
    });
    expect(existsSync(join(b.stateRoot, 'berth-test-console2'))).toBe(false);
  });
});
