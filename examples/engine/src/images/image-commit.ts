import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import {
  type ContainerConfig,
  type Descriptor,
  type HistoryEntry,
  hostPlatform,
  type ImageConfig,
  type ImageManifest,
  MediaType,
} from '@berth/image-spec';
import { z } from 'zod';
import { badRequest } from '../api/api-error.js';
import { queryBool, readJson } from '../api/request-body.js';
import type { RequestContext } from '../api/router.js';
import type { ContainerRecord } from '../containers/container-record.js';
import { ensureRwLayer } from '../containers/container-rootfs.js';
import type { Daemon } from '../daemon/daemon.js';
import { applyChanges } from './commit-changes.js';
import type { ImageRecord } from './image-store.js';
import { tagFromQuery } from './tag-from-query.js';

/** The diff ID of an empty tar (two zero blocks): a commit that changed nothing adds no layer. */
const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/** The container config keys that belong in an image config (the rest describe one run). */
const IMAGE_CONFIG_KEYS = [
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'OnBuild',
  'Healthcheck',
  'Shell',
] as const;

export interface CommitOptions {
  /** A full reference to tag the new image with (`docker.io/library/img:latest`). */
  tag?: string;
  comment: string;
  author: string;
  /** Freeze a running container while its layer is read (dockerd's default). */
  pause: boolean;
  /** `--change` Dockerfile instructions. */
  changes: string[];
  /** The request body: config that overrides the container's. */
  config: Record<string, unknown>;
}

/** The image config's `config`: the container's own (image's merged with run options), then overrides and changes. */
function imageRunConfig(record: ContainerRecord, options: CommitOptions): ContainerConfig {
  const merged: Record<string, unknown> = { ...record.config, ...options.config };
  const picked = Object.fromEntries(
    IMAGE_CONFIG_KEYS.map((key) => [key, merged[key]]).filter(
      ([, v]) => v !== undefined && v !== null && v !== '',
    ),
  ) as ContainerConfig;
  return applyChanges(picked, options.changes);
}

/** The base image's history, one entry per layer when it has none, so entries and layers stay aligned. */
function baseHistory(base: ImageConfig): HistoryEntry[] {
  if (base.history?.length) return base.history;
  return base.rootfs.diff_ids.map(() => (base.created ? { created: base.created } : {}));
}

/** The new manifest's media types follow the base's: Docker schema2 stays Docker, OCI stays OCI. */
function mediaTypesLike(base: ImageManifest | undefined) {
  const docker =
    base?.mediaType === MediaType.DockerManifest || base?.config.mediaType === MediaType.DockerConfig;
  return docker
    ? { manifest: MediaType.DockerManifest, config: MediaType.DockerConfig, layer: MediaType.DockerLayerGzip }
    : { manifest: MediaType.ImageManifest, config: MediaType.ImageConfig, layer: MediaType.LayerGzip };
}

/** The container's rw layer as a new layer on its image's: paused around the read when asked. */
async function commitLayer(daemon: Daemon, record: ContainerRecord, pause: boolean) {
  await ensureRwLayer(daemon, record);
  // The exec driver's freeze only, not the container's paused state: nobody sees it, it is undone below.
  const freeze = pause && record.state.Status === 'running';
  if (freeze) await daemon.exec.pause(record.id);
  try {
    return await daemon.layers.commit(record.id, { signal: daemon.shutdown.signal });
  } finally {
    if (freeze) await daemon.exec.resume(record.id).catch(() => undefined);
  }
}

/** A layer made by committing a container's rw layer (`daemon.layers.commit`). */
export type CommittedBlob = Awaited<ReturnType<Daemon['layers']['commit']>>['blob'];

export interface NewImage {
  /** The image it is made from; undefined for one made from nothing (`FROM scratch`). */
  base: ImageRecord | undefined;
  /** The new top layer's blob, if any (an empty diff adds none). */
  blob?: CommittedBlob;
  /** The image config's `config`. */
  runConfig: ContainerConfig;
  /** The history entry this image adds (created is set here); none for an empty `scratch` image. */
  history?: Omit<HistoryEntry, 'created' | 'empty_layer'>;
  container?: string;
  author?: string;
  comment?: string;
  tags?: string[];
}

/**
 * Writes an image made of `base`'s layers plus an optional new one, under `runConfig`, with the
 * base's history plus one entry, into the content store, and imports it into the image store
 * (one layer-store reference per layer, visible in one transaction). Returns its ID.
 */
export async function storeImage(daemon: Daemon, image: NewImage): Promise<string> {
  const { base, blob } = image;
  const baseConfig = base ? await daemon.images.config(base.id) : undefined;
  const baseManifest = base ? await daemon.images.manifest(base) : undefined;
  const types = base
    ? mediaTypesLike(baseManifest)
    : {
        manifest: MediaType.DockerManifest,
        config: MediaType.DockerConfig,
        layer: MediaType.DockerLayerGzip,
      };
  const empty = !blob || blob.diffId === EMPTY_LAYER_DIFF_ID;
  const layers: Descriptor[] = [...(baseManifest?.layers ?? [])];
  if (blob && !empty) {
    await daemon.content.writeBlob(createReadStream(blob.path), { digest: blob.digest, size: blob.size });
    layers.push({ mediaType: types.layer, digest: blob.digest, size: blob.size });
  }
  const created = new Date().toISOString();
  const config: ImageConfig = {
    architecture: baseConfig?.architecture || hostPlatform().architecture,
    os: baseConfig?.os ?? 'linux',
    ...(baseConfig?.variant ? { variant: baseConfig.variant } : {}),
    ...(baseConfig?.['os.version'] ? { 'os.version': baseConfig['os.version'] } : {}),
    created,
    ...(image.author ? { author: image.author } : {}),
    ...(image.comment ? { comment: image.comment } : {}),
    ...(image.container ? { container: image.container } : {}),
    config: image.runConfig,
    rootfs: {
      type: 'layers',
      diff_ids: [...(baseConfig?.rootfs.diff_ids ?? []), ...(blob && !empty ? [blob.diffId] : [])],
    },
    history: [
      ...(baseConfig ? baseHistory(baseConfig) : []),
      ...(image.history ? [{ created, ...image.history, ...(empty ? { empty_layer: true } : {}) }] : []),
    ],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDesc = { mediaType: types.config, ...(await daemon.content.writeBlob(configBytes)) };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: configDesc.mediaType, digest: configDesc.digest, size: configDesc.size },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const written = await daemon.content.writeBlob(manifestBytes);
  const stored = await daemon.images.importImage({
    from: daemon.content,
    manifestDescriptor: { mediaType: types.manifest, digest: written.digest, size: written.size },
    manifest,
    configBytes,
    ...(image.tags?.length ? { tags: image.tags } : {}),
  });
  // Docker's Parent: the local image this one was made from (no ImageStore call sets it).
  if (base)
    daemon.db.prepare('UPDATE images SET parent = ? WHERE id = ? AND parent IS NULL').run(base.id, stored.id);
  return stored.id;
}

/**
 * Commits the container's changes as one new layer over its image's, under `runConfig`, with one
 * history entry (`storeImage`). `pause` freezes a running container while its layer is read.
 */
export async function commitContainerAs(
  daemon: Daemon,
  record: ContainerRecord,
  image: Omit<NewImage, 'base' | 'blob'>,
  pause = false,
): Promise<string> {
  const base = daemon.images.get(record.imageId);
  if (!base) throw badRequest(`the image of container ${record.name} is gone: ${record.imageName}`);
  const { layer, blob } = await commitLayer(daemon, record, pause);
  try {
    return await storeImage(daemon, { ...image, base, blob, container: record.id });
  } finally {
    // The import took its own references; the commit's goes (which removes an empty or unused layer).
    await daemon.layers.release(layer.chainId).catch(() => undefined);
    await rm(blob.path, { force: true });
  }
}

/**
 * `docker commit`: the container's changes become one new layer over its image's layers, under a
 * config derived from the container's (with `--change`s) and the image's history plus one entry.
 */
export async function commitContainer(
  daemon: Daemon,
  record: ContainerRecord,
  options: CommitOptions,
): Promise<string> {
  return commitContainerAs(
    daemon,
    record,
    {
      runConfig: imageRunConfig(record, options),
      history: {
        created_by: (record.config.Cmd ?? []).join(' '),
        ...(options.author ? { author: options.author } : {}),
        ...(options.comment ? { comment: options.comment } : {}),
      },
      ...(options.author ? { author: options.author } : {}),
      ...(options.comment ? { comment: options.comment } : {}),
      ...(options.tag ? { tags: [options.tag] } : {}),
    },
    options.pause,
  );
}

const bodySchema = z.record(z.string(), z.unknown());

/** `POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=`: 201 `{Id}`. */
export async function handleCommit(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const name = q.get('container');
  if (!name) throw badRequest('container is required: the container to commit');
  const record = daemon.containers.store.resolve(name);
  const tag = tagFromQuery(q);
  const id = await commitContainer(daemon, record, {
    ...(tag ? { tag } : {}),
    comment: q.get('comment') ?? '',
    author: q.get('author') ?? '',
    pause: queryBool(q, 'pause', true),
    changes: q.getAll('changes').filter((c) => c !== ''),
    config: await readJson(ctx.req, bodySchema),
  });
  daemon.containers.emit(record, 'commit', {
    comment: q.get('comment') ?? '',
    imageID: id,
    ...(tag ? { imageRef: tag } : {}),
  });
  const text = JSON.stringify({ Id: id });
  ctx.res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  ctx.res.end(text);
}
