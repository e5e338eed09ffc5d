import { type Platform, parseManifest, Reference, withDefaultTag } from '@berth/image-spec';
import type { CredentialProvider, PullEvent } from '@berth/registry-client';
import { match } from 'ts-pattern';
import type { Daemon } from '../daemon/daemon.js';
import { pullError } from './docker-errors.js';
import {
  layerMessage,
  type ProgressMessage,
  shortId,
  statusMessage,
  transferMessage,
} from './progress-message.js';

export interface PullRequest {
  ref: Reference;
  /** Pull every tag of the repository (`fromImage` with no tag). */
  allTags?: boolean;
  platform?: Platform;
  credentials?: CredentialProvider;
  signal: AbortSignal;
  /** Receives Docker's progress messages; the first one starts the answer. */
  send: (message: ProgressMessage) => void;
}

/** What one pulled reference did: `updated` is false when the name already pointed at the image. */
interface PullOutcome {
  updated: boolean;
}

/**
 * `docker pull`: fetches the image into the content store, unpacks its layers, then names it, with
 * Docker's progress messages. The pull is journalled (`pulls` row) until the image is recorded, so
 * a daemon that dies meanwhile cleans up on its next start; a failed or cancelled pull removes the
 * blobs it downloaded.
 */
export async function pullImage(daemon: Daemon, request: PullRequest): Promise<void> {
  const client = await daemon.registry(request.credentials ? { credentials: request.credentials } : {});
  try {
    if (!request.allTags) {
      const ref = withDefaultTag(request.ref);
      const outcome = await pullOne(daemon, client, ref, request);
      request.send(
        statusMessage(
          `Status: ${outcome.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${ref.familiarString()}`,
        ),
      );
      return;
    }
    let tags: string[];
    try {
      tags = await client.listTags(request.ref.name);
    } catch (err) {
      throw pullError(err, request.ref);
    }
    let updated = false;
    for (const tag of tags) {
      const ref = new Reference({ domain: request.ref.domain, path: request.ref.path, tag });
      updated = (await pullOne(daemon, client, ref, request)).updated || updated;
    }
    request.send(
      statusMessage(
        `Status: ${updated ? 'Downloaded newer image' : 'Image is up to date'} for ${request.ref.familiarName}`,
      ),
    );
  } finally {
    await client.close();
  }
}

async function pullOne(
  daemon: Daemon,
  client: Awaited<ReturnType<Daemon['registry']>>,
  ref: Reference,
  request: PullRequest,
): Promise<PullOutcome> {
  const { images } = daemon;
  const { send, signal } = request;
  const before = images.find(ref.toString())?.id;
  const journalId = images.beginImport(ref.toString());
  const held = new Set<string>();
  const downloaded = new Set<string>();
  const alreadyHere = new Set<string>();
  let imageKnown = false;
  const onProgress = (event: PullEvent) =>
    match(event)
      .with({ type: 'resolved' }, (e) => {
        images.holds.holdOne(e.descriptor.digest, held);
        send(statusMessage(`Pulling from ${ref.path}`, ref.digest ?? ref.tag));
      })
      .with({ type: 'waiting' }, (e) => {
        images.holds.holdOne(e.digest, held);
        if (e.role === 'config') imageKnown = images.get(e.digest) !== undefined;
        else if (e.role === 'layer' && !imageKnown) send(layerMessage('Pulling fs layer', shortId(e.digest)));
      })
      .with({ type: 'exists' }, (e) => {
        if (e.role !== 'layer') return;
        alreadyHere.add(e.digest);
        if (!imageKnown) send(layerMessage('Already exists', shortId(e.digest)));
      })
      .with({ type: 'downloading' }, (e) => {
        if (e.role === 'layer') send(transferMessage('Downloading', shortId(e.digest), e.done, e.total));
      })
      .with({ type: 'retrying' }, (e) => {
        if (e.role === 'layer') {
          send(layerMessage(`Retrying in ${Math.ceil(e.delayMs / 1000)} seconds`, shortId(e.digest)));
        }
      })
      .with({ type: 'verifying' }, (e) => {
        if (e.role === 'layer') send(layerMessage('Verifying Checksum', shortId(e.digest)));
      })
      .with({ type: 'done' }, (e) => {
        downloaded.add(e.digest);
        if (e.role === 'layer') send(layerMessage('Download complete', shortId(e.digest)));
      })
      .with({ type: 'fallback' }, { type: 'tagged' }, () => undefined)
      .exhaustive();

  let finished = false;
  try {
    let result: Awaited<ReturnType<typeof client.pull>>;
    try {
      result = await client.pull(ref.toString(), {
        into: daemon.content,
        tag: false,
        ...(request.platform ? { platform: request.platform } : {}),
        onProgress,
        signal,
      });
    } catch (err) {
      throw pullError(err, ref);
    }
    images.holds.holdOne(result.manifest.digest, held);
    const manifest = parseManifest(await daemon.content.readBlob(result.manifest));
    const configBytes = await daemon.content.readBlob(result.config);
    const extracting = new Map<number, number>();
    const record = await images.importImage({
      from: daemon.content,
      manifestDescriptor: result.manifest,
      manifest,
      configBytes,
      tags: ref.tag ? [ref.toString()] : [],
      repoDigests: [`${ref.name}@${result.descriptor.digest}`],
      journalId,
      signal,
      onLayer: (index, state) => {
        const layer = manifest.layers[index];
        if (!layer || alreadyHere.has(layer.digest) || imageKnown) return;
        if (state === 'extracting') send(transferMessage('Extracting', shortId(layer.digest), 0, layer.size));
        if (state === 'done') send(layerMessage('Pull complete', shortId(layer.digest)));
      },
      onLayerBytes: (index, done) => {
        const layer = manifest.layers[index];
        if (!layer || alreadyHere.has(layer.digest) || imageKnown) return;
        // At most ten updates a second per layer, and always the last one.
        const now = Date.now();
        if (done < layer.size && now - (extracting.get(index) ?? 0) < 100) return;
        extracting.set(index, now);
        send(transferMessage('Extracting', shortId(layer.digest), done, layer.size));
      },
    });
    finished = true;
    send(statusMessage(`Digest: ${result.descriptor.digest}`));
    const name = ref.familiarString();
    daemon.events.emit('image', 'pull', name, { name });
    return { updated: before !== record.id };
  } finally {
    images.holds.releaseAll(held);
    if (!finished) {
      images.endImport(journalId);
      await images.dropUnusedBlobs([...downloaded]).catch(() => undefined);
    }
  }
}
