import { defineConfig } from 'vitest/config';

// Kernel tests (namespaces, cgroups, engines) run in forked processes, one file each.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
