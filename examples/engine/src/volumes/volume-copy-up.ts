import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { resolveInRoot } from './resolve-in-root.js';

const execFileP = promisify(execFile);

/**
 * Docker's copy-up: a volume that is still empty when its container starts gets what the image
 * has at the mount path (owners, modes, links), so `-v data:/var/lib/app` starts from the image's
 * files. A bind, a `nocopy` volume, or a volume with anything in it is left alone.
 */
export async function copyUpIntoVolume(
  rootfs: string,
  destination: string,
  volumeData: string,
): Promise<void> {
  if (readdirSync(volumeData).length > 0) return;
  const source = resolveInRoot(rootfs, destination);
  if (!source || !statSync(source).isDirectory() || readdirSync(source).length === 0) return;
  // cp -a copies symlinks as links (never follows them) and keeps owners, modes and xattrs.
  await execFileP('cp', ['-a', '--', `${source}/.`, `${volumeData}/`]);
}
