#!/usr/bin/env node
// Kept in the repository (not only in dist/) so that npm links the command at install time,
// before the first build.
await import('../dist/berth.js');
