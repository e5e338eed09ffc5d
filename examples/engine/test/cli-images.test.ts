import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type RegistryHandle, startRegistry } from '@berth/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { BERTH_CLI, berth } from './harness/cli.js';

describe('berth image commands', () => {
  let daemon: TestDaemon;
  let registry: RegistryHandle;
  beforeAll(async () => {
    [daemon, registry] = await Promise.all([TestDaemon.start(), startRegistry()]);
  });
  afterAll(async () => {
    await registry?.stop();
    await daemon?.destroy();
  });

  it('lists images as a docker table, -q, --format and json', async () => {
    const table = await berth(daemon, ['images']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s{3,}TAG\s{3,}IMAGE ID\s{3,}CREATED\s{3,}SIZE$/);
    expect(table.stdout).toMatch(/\nbusybox\s+latest\s+[a-f0-9]{12}\s+\d+ \w+ ago\s+\d+(\.\d+)?[kMG]?B\n/);
    const quiet = await berth(daemon, ['images', '-q']);
    expect(quiet.stdout).toMatch(/^([a-f0-9]{12}\n)+$/);
    const repos = await berth(daemon, ['images', '--format', '{{.Repository}}:{{.Tag}}', 'busybox']);
    expect(repos.stdout).toBe('busybox:latest\n');
    const json = await berth(daemon, ['images', '--format', 'json', 'busybox']);
    const row = JSON.parse(json.stdout.trim());
    expect(row).toMatchObject({ Repository: 'busybox', Tag: 'latest' });
    expect(row.ID).toHaveLength(12);
    const custom = await berth(daemon, [
      'images',
      '--format',
      'table {{.Repository}}\\t{{.Size}}',
      'busybox',
    ]);
    expect(custom.stdout).toMatch(/^REPOSITORY\s+SIZE\nbusybox\s+\S+B\n$/);
  });

  it('tags, inspects and removes images', async () => {
    expect((await berth(daemon, ['tag', 'busybox', 'berth-test/tagged:v1'])).code).toBe(0);
    const id = await berth(daemon, ['inspect', '--format', '{{.Id}}', 'berth-test/tagged:v1']);
    const busyboxId = await berth(daemon, ['image', 'inspect', '-f', '{{.Id}}', 'busybox']);
    expect(id.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);
    expect(id.stdout).toBe(busyboxId.stdout);
    const full = await berth(daemon, ['image', 'inspect', 'berth-test/tagged:v1']);
    const parsed = JSON.parse(full.stdout);
    expect(Array.isArray(parsed)).toBe(true);
    expect(parsed[0].RepoTags).toContain('berth-test/tagged:v1');
    expect(full.stdout).toMatch(/^\[\n {4}\{\n {8}"Id"/);
    const rmi = await berth(daemon, ['rmi', 'berth-test/tagged:v1']);
    expect(rmi.stdout).toBe('Untagged: berth-test/tagged:v1\n');
    const missing = await berth(daemon, ['rmi', 'berth-test/tagged:v1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error response from daemon: No such image: berth-test/tagged:v1\n');
    const noObject = await berth(daemon, ['inspect', 'berth-test-nothing']);
    expect(noObject.code).toBe(1);
    expect(noObject.stdout).toBe('[]\n');
    expect(noObject.stderr).toBe('Error: No such object: berth-test-nothing\n');
  });

  it('saves to a file or stdout, refuses a terminal, and loads from -i or stdin', async () => {
    const tar = join(daemon.dir, 'busybox.tar');
    expect((await berth(daemon, ['save', '-o', tar, 'busybox'])).code).toBe(0);
    expect((await stat(tar)).size).toBeGreaterThan(100_000);
    const piped = await berth(daemon, ['save', 'busybox']);
    expect(piped.code).toBe(0);
    expect(Buffer.byteLength(piped.stdout, 'latin1')).toBeGreaterThan(100_000);
    // `script` gives the CLI a terminal for stdout.
    const { spawnSync } = await import('node:child_process');
    const onTerminal = spawnSync(
      'script',
      ['-qec', `${process.execPath} ${BERTH_CLI} -H unix://${daemon.socket} save busybox`, '/dev/null'],
      { encoding: 'utf8' },
    );
    expect(onTerminal.stdout).toContain('cowardly refusing to save to a terminal');
    expect(onTerminal.status).toBe(1);

    await berth(daemon, ['tag', 'busybox', 'berth-test/loaded:v1']);
    const saved = join(daemon.dir, 'loaded.tar');
    await berth(daemon, ['save', '-o', saved, 'berth-test/loaded:v1']);
    await berth(daemon, ['rmi', 'berth-test/loaded:v1']);
    const fromFile = await berth(daemon, ['load', '-i', saved]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toBe('Loaded image: berth-test/loaded:v1\n');
    await berth(daemon, ['rmi', 'berth-test/loaded:v1']);
    const fromStdin = await berth(daemon, ['load'], { input: await readFile(saved) });
    expect(fromStdin.stdout).toBe('Loaded image: berth-test/loaded:v1\n');
    const noFile = await berth(daemon, ['load', '-i', join(daemon.dir, 'missing.tar')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/ENOENT/);
  });

  it('pushes and pulls through a local registry with status lines', async () => {
    const ref = `${registry.host}/berth-test/bb:v1`;
    await berth(daemon, ['tag', 'busybox', ref]);
    const push = await berth(daemon, ['push', ref]);
    expect(push.code).toBe(0);
    expect(push.stdout).toContain(`The push refers to repository [${registry.host}/berth-test/bb]\n`);
    expect(push.stdout).toMatch(/[a-f0-9]{12}: Pushed\n/);
    expect(push.stdout).toMatch(/v1: digest: sha256:[a-f0-9]{64} size: \d+\n/);

    await berth(daemon, ['rmi', ref]);
    const pull = await berth(daemon, ['pull', ref]);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toMatch(/^v1: Pulling from berth-test\/bb\n/);
    expect(pull.stdout).toMatch(/\nDigest: sha256:[a-f0-9]{64}\n/);
    expect(pull.stdout).toMatch(/\nStatus: (Downloaded newer image|Image is up to date) for /);
    expect(pull.stdout.endsWith(`\n${ref}\n`)).toBe(true);
    const quiet = await berth(daemon, ['pull', '-q', ref]);
    expect(quiet.stdout).toBe(`${ref}\n`);

    const missing = await berth(daemon, ['pull', `${registry.host}/berth-test/nothing`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error response from daemon: .*not found/);
  });

  it('pulls with one progress bar per layer on a terminal', async () => {
    // A fresh layer to download: push an image, then remove every local copy of it.
    const ref = `${registry.host}/berth-test/fresh:v1`;
    await berth(daemon, ['tag', 'busybox', ref]);
    await berth(daemon, ['push', ref]);
    const ids = (await berth(daemon, ['images', '-q'])).stdout.trim().split('\n');
    await berth(daemon, ['rmi', '-f', ...ids]);
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(
      'script',
      ['-qec', `${process.execPath} ${BERTH_CLI} -H unix://${daemon.socket} pull ${ref}`, '/dev/null'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /[a-f0-9]{12}: (Downloading|Extracting) +\[=*>? *\] +[\d.]+[kM]?B\/[\d.]+[kM]?B/,
    );
    expect(r.stdout).toMatch(/[a-f0-9]{12}: Pull complete/);
    expect(r.stdout).toContain('Status: Downloaded newer image for');
    await berth(daemon, ['tag', ref, 'busybox']);
  });
});
