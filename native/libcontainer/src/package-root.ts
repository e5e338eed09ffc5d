import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package directory: from src/ under vitest and from dist/ when built, the parent of
 * this file's folder.
 */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

let buildDir: string | undefined;

/**
 * Where the addon and the monitor are: `BERTH_LIBCONTAINER_BUILD` (e.g. build/Debug), else the
 * package's build/Release.
 */
export function nativeBuildDir(): string {
  buildDir ??= process.env.BERTH_LIBCONTAINER_BUILD ?? join(installedPackage(), 'build', 'Release');
  return buildDir;
}

/**
 * A tool that bundles this library into its own file (berth-runtime does, to start faster) has
 * no package root here: the installed package is then looked up in the node_modules folders
 * above it, as Node's resolver would find it.
 */
function installedPackage(): string {
  if (existsSync(join(packageRoot, 'CMakeLists.txt'))) return packageRoot;
  for (let dir = packageRoot; dirname(dir) !== dir; dir = dirname(dir)) {
    const installed = join(dir, 'node_modules', '@berth', 'libcontainer');
    if (existsSync(join(installed, 'package.json'))) return installed;
  }
  return packageRoot;
}
