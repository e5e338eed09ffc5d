#!/usr/bin/env node
// `dist/cli.js` for those who run the ESM path: the CLI itself is one CommonJS bundle
// (dist/cli.cjs), which Node loads faster than a graph of ES modules.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./cli.cjs');
