// `npm run demo`: the Berth engine at work. Uses the berthd already answering on the default socket,
// or starts one on the default roots (/var/lib/berth, /run/berth) and stops it at the end; then runs
// the embedded hello image and a busybox command through the `berth` CLI. Where the CLI does not have
// a command yet, the demo makes the same Engine API calls itself and says so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useDaemon } from './daemon.mjs';
import { api, runViaApi } from './engine-api.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// BERTH_ENGINE_DIST: a private build dir of the engine (as its tests take), default dist.
const dist = join(repo, 'examples', 'engine', process.env.BERTH_ENGINE_DIST ?? 'dist');
const BERTHD = join(dist, 'berthd.js');
const BERTH = join(dist, 'berth.js');
const SOCKET = '/run/berth/berth.sock';
let berthCommands; // what `berth --help` lists, read once

const step = (text) => console.log(`\n\x1b[1m${text}\x1b[0m`);
const note = (text) => console.log(`\x1b[2m${text}\x1b[0m`);

if (!existsSync(BERTHD)) fail(`${relative(repo, BERTHD)} is missing: run \`npm run build\` first`);

const daemon = await useDaemon({ berthd: BERTHD, socket: SOCKET }).catch((err) => {
  if (process.getuid?.() !== 0)
    fail('no berthd answers on /run/berth/berth.sock, and starting one needs root');
  fail(err.message);
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => daemon.stop().then(() => process.exit(130)));

let failed = false;
try {
  note(
    daemon.reused
      ? `Using the berthd already running on ${SOCKET} (left running).`
      : `Started berthd (pid ${daemon.pid}) on ${SOCKET}, state in /var/lib/berth; it stops at the end.`,
  );

  await images();
  await run(['hello'], /Hello from Berth!/);
  await run(['busybox', 'echo', 'hello from a busybox container'], /hello from a busybox container/);
} catch (err) {
  failed = true;
  console.error(`\ndemo failed: ${err.message}`);
  if (!daemon.reused) console.error(`--- berthd log ---\n${daemon.log()}`);
} finally {
  if (!daemon.reused) {
    await daemon.stop();
    note('\nStopped the berthd this demo started.');
  }
}
if (failed) process.exit(1);
console.log(
  '\nNext: `node examples/engine/dist/berthd.js &` keeps an engine running; see examples/engine/README.md.',
);

/** `berth images`, or GET /images/json. */
async function images() {
  step('$ berth images');
  if (berthHas('images')) return berth(['images']);
  const res = await api(SOCKET, 'GET', '/images/json');
  if (res.status !== 200)
    return note(`(not available yet: the daemon answered ${res.status} to GET /images/json)`);
  note('(the berth CLI has no `images` command yet: GET /images/json)');
  for (const image of res.body) console.log(`${(image.RepoTags ?? []).join(', ')}  ${image.Id.slice(7, 19)}`);
}

/** `berth run --rm IMAGE CMD…`, or the same through the API; checks the output says `expect`. */
async function run([image, ...cmd], expect) {
  step(`$ berth run --rm ${[image, ...cmd].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`);
  let output;
  if (berthHas('run')) {
    const result = berth(['run', '--rm', image, ...cmd], { capture: true });
    output = result.stdout;
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (result.status !== 0) throw new Error(`berth run exited ${result.status}`);
  } else {
    note('(the berth CLI has no `run` command yet: create, start, wait, logs and remove through the API)');
    const result = await runViaApi(SOCKET, image, cmd);
    output = result.stdout;
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (result.exitCode !== 0) throw new Error(`the container exited ${result.exitCode}`);
  }
  if (!expect.test(output)) throw new Error(`expected output matching ${expect}`);
}

/** Does `berth --help` list this command? (The CLI is still growing.) */
function berthHas(command) {
  if (!berthCommands) {
    const help = existsSync(BERTH)
      ? spawnSync(process.execPath, [BERTH, '--help'], { encoding: 'utf8' })
      : null;
    const section = help?.status === 0 ? (help.stdout.split(/^Commands:$/m)[1] ?? '') : '';
    berthCommands = new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]));
  }
  return berthCommands.has(command);
}

function berth(args, { capture = false } = {}) {
  const result = spawnSync(process.execPath, [BERTH, '-H', `unix://${SOCKET}`, ...args], {
    stdio: capture ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
  });
  if (!capture && result.status !== 0) throw new Error(`berth ${args.join(' ')} exited ${result.status}`);
  return result;
}

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}
