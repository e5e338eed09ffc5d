import { defineConfig } from 'vitest/config';

// Native and namespace tests run in forked processes: a native crash then fails one file,
// not the whole run, and namespace changes stay inside that file's process.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000, hookTimeout: 60_000 },
});
