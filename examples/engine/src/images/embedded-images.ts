import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIndexMediaType, OciLayout, parseManifest } from '@berth/image-spec';
import type { Logger } from '../daemon/logger.js';
import type { ImageStore } from './image-store.js';

const NAME_ANNOTATION = 'io.containerd.image.name';

/** The OCI layouts packed into the build (dist/images/<name>/). */
export function embeddedImagesDir(): string {
  return fileURLToPath(new URL('./images/', import.meta.url));
}

/**
 * Loads the images the engine carries (hello, busybox) when their names are not in the store yet, so
 * that `berth run --rm hello` works on a machine with no registry. Removing them stays possible: only
 * a missing name brings an image back, on the next start.
 */
export async function loadEmbeddedImages(
  images: ImageStore,
  logger: Logger,
  dir = embeddedImagesDir(),
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // a build without embedded images
  }
  for (const name of names) {
    try {
      const layout = await OciLayout.open(join(dir, name));
      for (const descriptor of (await layout.readIndex()).manifests) {
        const ref = descriptor.annotations?.[NAME_ANNOTATION];
        if (!ref || isIndexMediaType(descriptor.mediaType) || images.find(ref)) continue;
        const manifest = parseManifest(await layout.readBlob(descriptor));
        await images.importImage({
          from: layout,
          manifestDescriptor: descriptor,
          manifest,
          configBytes: await layout.readBlob(manifest.config),
          tags: [ref],
        });
        logger.info(`loaded embedded image ${ref}`);
      }
    } catch (err) {
      logger.warn(`embedded image ${name}: ${(err as Error).message}`);
    }
  }
}
