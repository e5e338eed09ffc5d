import { defineConfig } from 'tsup';

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
