import { defineConfig } from 'tsup';

export default defineConfig({
  // Two programs: the daemon and the client. ESM, code-split so each loads only what it needs.
  entry: { berthd: 'src/daemon/main.ts', berth: 'src/cli/main.ts' },
  format: ['esm'],
  splitting: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
