import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nativeBuildDir } from './package-root.js';

let addon: Record<string, unknown> | undefined;

/**
 * The compiled addon, loaded on first use. Each concern types the slice it uses
 * (`nativeAddon<FsNative>()`), so the addon's surface is declared next to its wrapper.
 */
export function nativeAddon<T>(): T {
  if (!addon) {
    const path = join(nativeBuildDir(), 'berth_libcontainer.node');
    try {
      addon = createRequire(import.meta.url)(path) as Record<string, unknown>;
    } catch (err) {
      throw new Error(
        `@berth/libcontainer: cannot load its native addon ${path}; build it with \`npm run build\``,
        {
          cause: err,
        },
      );
    }
  }
  return addon as T;
}

/** Path of the monitor executable, checked to be there and executable. */
export function monitorPath(): string {
  const path = join(nativeBuildDir(), 'berth-monitor');
  accessSync(path, constants.X_OK);
  return path;
}
