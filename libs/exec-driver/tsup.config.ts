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
    // Commands stay lazy (their modules run on first use). @berth/libcontainer stays external:
    // it finds its native build from its own location. The bin (cli.cjs) runs it from a V8
    // code cache that scripts/code-cache.mjs writes after this build.
    entry: { 'cli-main': 'src/cli/main.ts' },
    format: ['cjs'],
    noExternal: ['ts-pattern'],
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
