#!/usr/bin/env node
// The `berth-runtime` bin: runs the CLI bundle (cli-main.cjs) from V8's code cache, which the
// build writes next to it (scripts/code-cache.mjs). Compiling the bundle, its JSON schemas
// included, is a fixed cost of every start-up; with the cache V8 skips parsing and the
// functions a command uses are already bytecode. A cache V8 rejects (another Node, other
// flags) or a missing one only means a normal compile. Kept free of imports that Node has
// not already loaded at start-up.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const file = join(__dirname, 'cli-main.cjs');
const cacheFile = `${file}.v8cache`;

let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // not built: compile normally
}
// The shebang becomes a comment of the same length: V8 checks a cache against the source's length.
const source = readFileSync(file, 'utf8').replace(/^#!/, '//');
// The wrapper CommonJS itself puts around a module.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: file,
  cachedData,
});
// Set only by the build: after a warm-up command, save what V8 compiled for the next start.
const cacheOut = process.env.BERTH_RUNTIME_WRITE_CODE_CACHE;
if (cacheOut) process.on('exit', () => writeFileSync(cacheOut, script.createCachedData()));
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, __dirname);
