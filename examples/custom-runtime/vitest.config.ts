import { defineConfig } from 'vitest/config';

// The test runs the script as root on the real kernel (a registry, a bridge, overlay mounts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
