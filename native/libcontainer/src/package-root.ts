import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package directory: from src/ under vitest and from dist/ when built, the parent of
 * this file's folder. `BERTH_LIBCONTAINER_BUILD` overrides where the native build lives
 * (e.g. build/Debug).
 */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const nativeBuildDir =
  process.env.BERTH_LIBCONTAINER_BUILD ?? resolve(packageRoot, 'build', 'Release');
