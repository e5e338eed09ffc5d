import { defineConfig } from 'vitest/config';

// Tests create bridges, veths, netns files and an nft table on the real kernel: one file at a time,
// each in its own process, so that no two files race on the shared kernel objects.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
