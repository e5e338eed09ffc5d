import { copyFile, link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type Descriptor, loadDockerArchive, OciLayout, saveDockerArchive } from '@berth/image-spec';
import type { Daemon } from '../daemon/daemon.js';
import { parseImageReference } from './docker-errors.js';
import { familiar } from './image-inspect.js';
import type { ImageRecord, ImageStore } from './image-store.js';

/** Scratch space for loads and saves, next to the content store (same filesystem: links work). */
export function scratchRoot(images: ImageStore): string {
  return join(dirname(images.content.root), 'image-tmp');
}

/**
 * `POST /images/load`: reads a `docker save` tarball (plain or gzipped, classic or OCI) into a
 * scratch layout, where it is checked whole, then imports its images. A bad archive is refused
 * before anything reaches the engine's stores. Returns Docker's `Loaded image…` lines.
 */
export async function loadImages(daemon: Daemon, body: Readable, signal: AbortSignal): Promise<string[]> {
  const { images } = daemon;
  await mkdir(scratchRoot(images), { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(scratchRoot(images), 'load-'));
  const journalId = images.beginImport('load');
  const lines: string[] = [];
  try {
    const layout = await OciLayout.init(dir);
    const loaded = await loadDockerArchive(body, layout, { signal });
    for (const { descriptor, names } of loaded) {
      const image = await layout.readImage(descriptor.digest);
      // A bare OCI ref name (`latest`) names no repository: such an image loads untagged.
      const tags = names.filter((n) => n.includes('/'));
      const record = await images.importImage({
        from: layout,
        manifestDescriptor: image.descriptor,
        manifest: image.manifest,
        configBytes: image.configBytes,
        tags,
        signal,
      });
      daemon.events.emit('image', 'load', record.id, { name: record.id });
      if (tags.length === 0) lines.push(`Loaded image ID: ${record.id}\n`);
      for (const tag of tags) lines.push(`Loaded image: ${familiar(tag)}\n`);
    }
    return lines;
  } finally {
    images.endImport(journalId);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The images `docker save` names: `repo` alone means every tag of the repository. */
export function imagesToSave(images: ImageStore, names: string[]): { image: ImageRecord; tag?: string }[] {
  const out: { image: ImageRecord; tag?: string }[] = [];
  for (const name of names) {
    const image = images.find(name);
    if (image && images.isIdReference(name, image.id)) {
      out.push({ image });
      continue;
    }
    const ref = parseImageReference(name);
    if (ref.tag === undefined && ref.digest === undefined) {
      const all = images
        .list()
        .flatMap((i) => i.tags.filter((t) => t.startsWith(`${ref.name}:`)).map((tag) => ({ image: i, tag })));
      if (all.length > 0) {
        out.push(...all);
        continue;
      }
    }
    const found = images.resolve(name);
    out.push(
      ref.digest ? { image: found } : { image: found, tag: found.tags.find((t) => t === tagKey(name)) },
    );
  }
  return out;
}

function tagKey(name: string): string {
  const ref = parseImageReference(name);
  return `${ref.name}:${ref.tag ?? 'latest'}`;
}

/**
 * `GET /images/{name}/get`, `GET /images/get?names=`: a `docker save` tarball. The images' blobs
 * are linked into a scratch layout that names them, and that layout is written out.
 */
export async function saveImages(
  daemon: Daemon,
  selected: { image: ImageRecord; tag?: string }[],
  out: Writable,
  signal: AbortSignal,
): Promise<void> {
  const { images } = daemon;
  await mkdir(scratchRoot(images), { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(scratchRoot(images), 'save-'));
  const release = images.holds.hold(
    selected.flatMap(({ image }) => [image.id, ...(image.manifestDigest ? [image.manifestDigest] : [])]),
  );
  try {
    const layout = await OciLayout.init(dir);
    const names: string[] = [];
    for (const [i, { image, tag }] of selected.entries()) {
      if (!image.manifestDigest || !image.manifestMediaType)
        throw new Error(`image ${image.id} has no manifest`);
      for (const digest of await images.blobsOf(image)) await linkBlob(images.content, layout, digest);
      const desc: Descriptor = {
        mediaType: image.manifestMediaType,
        digest: image.manifestDigest as Descriptor['digest'],
        size: (await layout.readBlob({ digest: image.manifestDigest })).length,
      };
      // An image saved by ID carries no name: a bare ref name keeps it out of RepoTags.
      const name = tag ?? `image${i}`;
      await layout.tag(desc, name);
      names.push(name);
    }
    await saveDockerArchive(layout, names, out, { signal });
    for (const { image } of selected) daemon.events.emit('image', 'save', image.id, { name: image.id });
  } finally {
    release();
    await rm(dir, { recursive: true, force: true });
  }
}

async function linkBlob(from: OciLayout, to: OciLayout, digest: string): Promise<void> {
  const target = to.blobPath(digest);
  await mkdir(dirname(target), { recursive: true });
  try {
    await link(from.blobPath(digest), target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EXDEV') throw err;
    await copyFile(from.blobPath(digest), target);
  }
}
