import { type Descriptor, Reference } from '@berth/image-spec';
import type { CredentialProvider, PushEvent } from '@berth/registry-client';
import { match } from 'ts-pattern';
import { notFound } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { pushError } from './docker-errors.js';
import type { ImageRecord } from './image-store.js';
import {
  layerMessage,
  type ProgressMessage,
  shortId,
  statusMessage,
  transferMessage,
} from './progress-message.js';

export interface PushRequest {
  /** The repository, with the tag to push; no tag pushes every local tag of the repository. */
  ref: Reference;
  credentials?: CredentialProvider;
  signal: AbortSignal;
  send: (message: ProgressMessage) => void;
}

/** The local tags a push sends: the one named, or all of the repository's. */
export function tagsToPush(daemon: Daemon, ref: Reference): { tag: string; image: ImageRecord }[] {
  const tags: { tag: string; image: ImageRecord }[] = [];
  for (const image of daemon.images.list()) {
    for (const name of image.tags) {
      const prefix = `${ref.name}:`;
      if (!name.startsWith(prefix)) continue;
      const tag = name.slice(prefix.length);
      if (ref.tag === undefined || ref.tag === tag) tags.push({ tag, image });
    }
  }
  if (tags.length === 0) {
    throw notFound(
      `An image does not exist locally with the tag: ${ref.tag ? ref.familiarString() : ref.familiarName}`,
    );
  }
  return tags.sort((a, b) => a.tag.localeCompare(b.tag));
}

/**
 * `docker push`: sends the exact manifest, config and layer blobs the content store keeps, with
 * Docker's progress messages, then records the pushed name as a RepoDigest.
 */
export async function pushImage(daemon: Daemon, request: PushRequest): Promise<void> {
  const { ref, send, signal } = request;
  const tags = tagsToPush(daemon, ref);
  send(statusMessage(`The push refers to repository [${ref.name}]`));
  const client = await daemon.registry(request.credentials ? { credentials: request.credentials } : {});
  try {
    for (const { tag, image } of tags) {
      if (!image.manifestDigest || !image.manifestMediaType) {
        throw new Error(`image ${image.id} has no manifest to push`);
      }
      const manifestBytes = await daemon.content.readBlob({ digest: image.manifestDigest });
      const source: Descriptor = {
        mediaType: image.manifestMediaType,
        digest: image.manifestDigest as Descriptor['digest'],
        size: manifestBytes.length,
      };
      const layerIds = await layerIdsOf(daemon, image);
      const mounted = new Set<string>();
      const onProgress = (event: PushEvent) => {
        if (event.type === 'manifest' || event.role !== 'layer') return;
        const id = layerIds.get(event.digest) ?? shortId(event.digest);
        match(event)
          .with({ type: 'waiting' }, () => send(layerMessage('Preparing', id)))
          .with({ type: 'exists' }, () => send(layerMessage('Layer already exists', id)))
          .with({ type: 'mounted' }, (e) => {
            mounted.add(e.digest);
            send(
              layerMessage(
                `Mounted from ${new Reference({ domain: ref.domain, path: e.from }).familiarName}`,
                id,
              ),
            );
          })
          .with({ type: 'uploading' }, (e) => send(transferMessage('Pushing', id, e.done, e.total)))
          .with({ type: 'retrying' }, (e) =>
            send(layerMessage(`Retrying in ${Math.ceil(e.delayMs / 1000)} seconds`, id)),
          )
          .with({ type: 'done' }, (e) => {
            if (!mounted.has(e.digest)) send(layerMessage('Pushed', id));
          })
          .exhaustive();
      };
      const target = new Reference({ domain: ref.domain, path: ref.path, tag });
      const release = daemon.images.holds.hold([image.manifestDigest]);
      try {
        await client.push(target.toString(), { from: daemon.content, source, onProgress, signal });
      } catch (err) {
        throw pushError(err);
      } finally {
        release();
      }
      daemon.images.addRepoDigest(image.id, `${ref.name}@${source.digest}`);
      send(statusMessage(`${tag}: digest: ${source.digest} size: ${source.size}`));
      send({ progressDetail: {}, aux: { Tag: tag, Digest: source.digest, Size: source.size } });
      const name = target.familiarString();
      daemon.events.emit('image', 'push', name, { name });
    }
  } finally {
    await client.close();
  }
}

/** Docker names layers in push output by their diff ID; the blobs are keyed by compressed digest. */
async function layerIdsOf(daemon: Daemon, image: ImageRecord): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const manifest = await daemon.images.manifest(image);
  const config = await daemon.images.config(image.id);
  manifest?.layers.forEach((layer, i) => {
    const diffId = config.rootfs.diff_ids[i];
    ids.set(layer.digest, shortId(diffId ?? layer.digest));
  });
  return ids;
}
