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
    // The CLI: ESM only, code-split so that each command loads only what it needs.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    splitting: true,
    sourcemap: true,
    target: 'node20',
  },
]);
