import { defineConfig, type Options } from 'tsup';

// Built-ins Node does not have loaded at start-up and the CLI's common paths do not need:
// child_process alone (with net and stream) costs ~3.5 ms to load, fs/promises ~1 ms. In the
// CLI bundle each becomes a stand-in that requires the module on first use of one of its
// exports (the bundle only ever reads them as `import_x.name`).
const LAZY_BUILTINS = ['child_process', 'fs/promises', 'net', 'stream', 'os'];

const lazyBuiltins: NonNullable<Options['plugins']>[number] = {
  name: 'lazy-builtins',
  renderChunk(code) {
    const pattern = new RegExp(`\\brequire\\("(${LAZY_BUILTINS.join('|')})"\\)`, 'g');
    const rewritten = code.replace(pattern, '__lazyBuiltin("$1")');
    if (rewritten === code) return;
    const helper =
      ' var __lazyBuiltin = (id) => { let m; return new Proxy({}, { get: (_, key) => (m ??= require(id))[key] }); };';
    // Right after "use strict" (which must stay first), on its line so that the source map's lines hold.
    const at = rewritten.indexOf('"use strict";') + '"use strict";'.length;
    return { code: rewritten.slice(0, at) + helper + rewritten.slice(at) };
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    shims: true,
    target: 'node20',
  },
  {
    // The CLI: one CommonJS file with ts-pattern inside, because start-up is its cost: Node
    // resolves, loads and links a graph of ES modules more slowly than it requires one script.
    // Commands stay lazy (their modules run on first use). @berth/libcontainer is inside too:
    // resolving a package costs Node ~3 ms on first use, and compiling it another ~3 (it finds
    // its native build in node_modules when bundled). The bin (cli.cjs) runs this bundle from
    // a V8 code cache that scripts/code-cache.mjs writes after this build.
    entry: { 'cli-main': 'src/cli/main.ts' },
    format: ['cjs'],
    noExternal: ['ts-pattern', '@berth/libcontainer'],
    plugins: [lazyBuiltins],
    minify: true,
    sourcemap: true,
    shims: true,
    target: 'node20',
  },
  {
    entry: { cli: 'src/cli/bin.ts' },
    format: ['cjs'],
    target: 'node20',
  },
  {
    entry: { cli: 'src/cli/esm-entry.ts' },
    format: ['esm'],
    target: 'node20',
  },
]);
