#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// Kept in the repository (not only in dist/) so that npm links the command at install time,
// before the first build.
// A long-lived daemon mostly idles: a 2 MiB young generation and two malloc arenas keep its
// resident set ~10 MiB smaller than Node's defaults, at no cost its bench can see.
await import('../dist/berthd.js');
