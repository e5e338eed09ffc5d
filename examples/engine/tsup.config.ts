import { defineConfig } from 'tsup';

const common = {
  format: ['esm'] as const,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
};

export default defineConfig([
  // The daemon: its dependencies stay in node_modules (native addons find their builds from there).
  { ...common, entry: { berthd: 'src/daemon/main.ts' }, splitting: true },
  // The client starts for every command: its dependencies are bundled, so Node resolves and loads no
  // package graph (zod alone is ~100 ESM files); what few commands need comes in lazy chunks.
  {
    ...common,
    entry: { berth: 'src/cli/main.ts' },
    noExternal: [/.*/],
    splitting: true,
    // Bundled CommonJS dependencies (commander) call require() for Node built-ins.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __berthCreateRequire } from 'node:module';\nconst require = __berthCreateRequire(import.meta.url);",
    },
  },
]);
