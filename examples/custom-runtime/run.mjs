#!/usr/bin/env node
// A container runtime in one page, with no daemon: the @berth libraries composed by hand.
//
//   node run.mjs [--state DIR] [--bridge NAME] [--subnet CIDR] IMAGE [COMMAND...]
//
// pull (registry-client) -> unpack (graph-driver) -> network (network-driver) -> run (exec-driver),
// then undo every step, last first. Progress goes to stderr, the container's output to stdout, and
// the exit code is the container's. Needs root (namespaces, mounts, a bridge).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecDriver, specFromImage } from '@berth/exec-driver';
import { LayerStore } from '@berth/graph-driver';
import { OciLayout, parseImageConfig } from '@berth/image-spec';
import { NetworkDriver } from '@berth/network-driver';
import { RegistryClient } from '@berth/registry-client';

const options = parseArgs(process.argv.slice(2));
const say = (line) => process.stderr.write(`custom-runtime: ${line}\n`);
const suffix = randomBytes(3).toString('hex');
const id = `custom-${suffix}`;

// Every step that makes something pushes how to undo it; `finally` runs them in reverse.
const undo = [];
let exitCode = 1;
try {
  // Our own directory for everything on disk, inside --state when given; removed at the end.
  const state = options.state
    ? join(options.state, id)
    : await mkdtemp(join(tmpdir(), 'berth-custom-runtime-'));
  await mkdir(state, { recursive: true });
  undo.push(() => rm(state, { recursive: true, force: true }));

  // 1. Pull: manifest, config and layers land, verified, in an OCI image layout.
  const layout = await OciLayout.init(join(state, 'images'));
  const registry = new RegistryClient();
  undo.push(() => registry.close());
  const pulled = await registry.pull(options.image, { into: layout });
  const imageConfig = parseImageConfig(await layout.readBlob(pulled.config));
  say(`pulled ${pulled.reference} ${pulled.manifest.digest} (${pulled.layers.length} layer(s))`);

  // 2. Unpack: each layer on top of the one below, then a writable layer for the container.
  const layers = await LayerStore.open({ root: join(state, 'layers'), driver: 'overlay' });
  undo.push(() => layers.close());
  let top = null;
  for (const [i, blob] of pulled.layers.entries()) {
    const diffId = imageConfig.rootfs.diff_ids[i];
    const layer = await layers.register(await layout.openBlob(blob), top, {
      diffId,
      mediaType: blob.mediaType,
    });
    top = layer.chainId;
  }
  const topLayer = top;
  undo.push(() => layers.release(topLayer));
  await layers.createRw(id, top);
  undo.push(() => layers.removeRw(id));
  const rootfs = await layers.mountRw(id);
  undo.push(() => layers.unmountRw(id));
  say(`unpacked into ${rootfs}`);

  // 3. Network: a bridge of our own, and a network namespace plugged into it. The driver treats
  // links with its prefix as its own, so each run takes a prefix of its own.
  const ifPrefix = `cr${suffix.slice(0, 4)}`;
  const network = await NetworkDriver.open({
    root: join(state, 'network'),
    ifPrefix,
    table: `berth_cr_${suffix}`,
    defaultNetwork: false,
    dns: false, // no embedded DNS server: the container gets the host's resolvers
    ipForward: false, // leave the host's net.ipv4.ip_forward as it is
  });
  // Last of the network undo steps: the bridge, the nft table and the netns mount point.
  undo.push(() => network.destroyAll());
  await network.createNetwork({
    name: 'custom',
    bridge: options.bridge ?? `${ifPrefix}br`,
    ...(options.subnet ? { subnet: options.subnet } : {}),
  });
  const sandbox = await network.createSandbox(id, { mode: 'bridge', hostname: id });
  undo.push(() => network.removeSandbox(id));
  const endpoint = await network.connect(id, 'custom');
  const files = await network.writeContainerFiles(id);
  say(`network ${endpoint.ip} via ${endpoint.gateway}, netns ${sandbox.netnsPath}`);

  // 4. Run: an OCI runtime spec made the way `docker run` makes one, joined to that namespace.
  const spec = await specFromImage(imageConfig, {
    rootfs,
    rootPath: rootfs,
    ...(options.command.length > 0 ? { cmd: options.command } : {}), // else the image's Cmd
    hostname: id,
    networkNamespace: sandbox.netnsPath,
    mounts: Object.entries({
      hosts: files.hosts,
      hostname: files.hostname,
      'resolv.conf': files.resolvConf,
    }).map(([name, source]) => ({
      destination: `/etc/${name}`,
      type: 'bind',
      source,
      options: ['rbind', 'ro'],
    })),
  });
  const bundle = join(state, 'bundle');
  await mkdir(bundle, { recursive: true });
  const exec = new ExecDriver({ root: join(state, 'runtime'), cgroupParent: `berth-custom-${suffix}` });
  undo.push(() => exec.removeCgroupParent());
  await exec.create({ id, bundle, spec });
  undo.push(() => exec.delete(id, { force: true }));
  const io = await exec.attach(id);
  const copied = Promise.all([pipeInto(io.stdout, process.stdout), pipeInto(io.stderr, process.stderr)]);
  await exec.start(id);
  const status = await exec.wait(id);
  await copied;
  say(`exited with ${status.exitCode}`);
  exitCode = status.exitCode;
} catch (err) {
  say(`error: ${err.message}`);
} finally {
  for (const step of undo.reverse()) {
    await step().catch((err) => say(`cleanup: ${err.message}`));
  }
}
process.exitCode = exitCode;

/** Copies a stream into stdout or stderr without ending them. */
async function pipeInto(from, to) {
  for await (const chunk of from) to.write(chunk);
}

function parseArgs(args) {
  const parsed = { command: [] };
  while (args[0]?.startsWith('--')) {
    const [flag, value] = args.splice(0, 2);
    const key = { '--state': 'state', '--bridge': 'bridge', '--subnet': 'subnet' }[flag];
    if (!key || value === undefined) usage(`unknown option ${flag}`);
    parsed[key] = value;
  }
  if (args.length === 0) usage('no image given');
  [parsed.image, ...parsed.command] = args;
  return parsed;
}

function usage(problem) {
  process.stderr.write(
    `custom-runtime: ${problem}\nusage: node run.mjs [--state DIR] [--bridge NAME] [--subnet CIDR] IMAGE [COMMAND...]\n`,
  );
  process.exit(2);
}
