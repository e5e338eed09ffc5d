import { ApiError, conflict } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { parseImageReference } from './docker-errors.js';
import { familiar } from './image-inspect.js';
import { normalizeName } from './image-store.js';
import { shortId } from './progress-message.js';

export type DeleteRecord = { Untagged: string } | { Deleted: string };

/** Docker counts a paused or restarting container as running: neither lets its image go. */
const RUNNING = new Set(['running', 'paused', 'restarting']);

interface UsingContainer {
  id: string;
  status: string;
}

export function containersUsing(daemon: Daemon, imageId: string): UsingContainer[] {
  return daemon.db
    .prepare("SELECT id, json_extract(state, '$.Status') AS status FROM containers WHERE image_id = ?")
    .all(imageId) as UsingContainer[];
}

/** Why an image cannot go; `hard` ones even with force. */
class DeleteConflict extends ApiError {
  constructor(
    imageId: string,
    readonly hard: boolean,
    readonly used: boolean,
    reason: string,
  ) {
    super(
      409,
      `conflict: unable to delete ${shortId(imageId)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${reason}`,
    );
  }
}

/**
 * `DELETE /images/{name}`, with dockerd's semantics: a name given removes that name (and the image
 * only when it was its last name); an ID given removes the image with its names when they are all
 * of one repository. Running containers always block; stopped ones and other names block unless forced.
 */
export async function deleteImage(
  daemon: Daemon,
  nameOrId: string,
  options: { force: boolean; prune: boolean },
): Promise<DeleteRecord[]> {
  const { images } = daemon;
  const image = images.resolve(nameOrId);
  const records: DeleteRecord[] = [];
  const untag = (key: string) => {
    if (images.untag(key)) {
      records.push({ Untagged: familiar(key) });
      daemon.events.emit('image', 'untag', image.id, { name: image.id });
    }
  };
  let references = [...image.tags, ...image.digests];
  let quiet = false;
  if (!images.isIdReference(nameOrId, image.id)) {
    const key = normalizeName(parseImageReference(nameOrId).toString());
    if (!options.force && isSingleRepository(references)) {
      const user = containersUsing(daemon, image.id)[0];
      if (user) {
        throw conflict(
          `conflict: unable to remove repository reference "${nameOrId}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(image.id)}`,
        );
      }
    }
    untag(key);
    references = references.filter((r) => r !== key);
    // The last tag of a repository takes the repository's digest names with it.
    if (!key.includes('@')) {
      const repo = repositoryOf(key);
      if (!references.some((r) => !r.includes('@') && repositoryOf(r) === repo)) {
        for (const r of references.filter((r) => r.includes('@') && repositoryOf(r) === repo)) untag(r);
        references = references.filter((r) => !(r.includes('@') && repositoryOf(r) === repo));
      }
    }
    if (references.length > 0) return records;
    quiet = true;
  } else if (isSingleRepository(references)) {
    const blocker = deleteConflict(daemon, image.id, { hard: true, soft: !options.force, references: false });
    if (blocker) throw blocker;
    for (const r of references) untag(r);
  }
  await deleteRecord(daemon, image.id, records, { force: options.force, prune: options.prune, quiet });
  return records;
}

/** No name and no child image: what dockerd calls dangling when it decides whether to say why it kept one. */
function isDangling(daemon: Daemon, imageId: string): boolean {
  const image = daemon.images.get(imageId);
  if (!image || image.tags.length + image.digests.length > 0) return false;
  return daemon.db.prepare('SELECT 1 FROM images WHERE parent = ? LIMIT 1').get(imageId) === undefined;
}

/**
 * Removes the image itself once its names are dealt with (dockerd's imageDeleteHelper). With
 * `prune` (the default; `--no-prune` turns it off) its parent goes next when nothing else needs it:
 * no name, no other child, no container. That removes the intermediate images a build kept (its
 * cache) with the image built from them, as dockerd does, and stops quietly at the first one in use.
 */
async function deleteRecord(
  daemon: Daemon,
  imageId: string,
  records: DeleteRecord[],
  options: { force: boolean; prune: boolean; quiet: boolean },
): Promise<void> {
  const { force, quiet } = options;
  const blocker = deleteConflict(daemon, imageId, { hard: true, soft: !force, references: !force });
  if (blocker) {
    if (quiet && (!isDangling(daemon, imageId) || blocker.used)) return;
    throw blocker;
  }
  const image = daemon.images.get(imageId);
  if (!image) return;
  // Containers keep a reference to their image: a forced delete of one a stopped container uses
  // leaves it untagged (dangling) rather than dangling the container.
  if (containersUsing(daemon, imageId).length > 0) {
    for (const name of [...image.tags, ...image.digests]) {
      if (daemon.images.untag(name)) records.push({ Untagged: familiar(name) });
    }
    return;
  }
  for (const name of [...image.tags, ...image.digests]) {
    if (daemon.images.untag(name)) records.push({ Untagged: familiar(name) });
  }
  const removedLayers = await daemon.images.remove(imageId);
  daemon.events.emit('image', 'delete', imageId, { name: imageId });
  records.push({ Deleted: imageId });
  for (const chainId of removedLayers) records.push({ Deleted: chainId });
  if (options.prune && image.parent && daemon.images.get(image.parent))
    await deleteRecord(daemon, image.parent, records, { force: false, prune: true, quiet: true });
}

function deleteConflict(
  daemon: Daemon,
  imageId: string,
  check: { hard: boolean; soft: boolean; references: boolean },
): DeleteConflict | undefined {
  const children = daemon.db.prepare('SELECT 1 FROM images WHERE parent = ? LIMIT 1').get(imageId);
  if (check.hard && children)
    return new DeleteConflict(imageId, true, false, 'image has dependent child images');
  const users = containersUsing(daemon, imageId);
  const running = users.find((c) => RUNNING.has(c.status));
  if (check.hard && running) {
    return new DeleteConflict(
      imageId,
      true,
      true,
      `image is being used by running container ${shortId(running.id)}`,
    );
  }
  const image = daemon.images.get(imageId);
  if (check.references && image && image.tags.length + image.digests.length > 0) {
    return new DeleteConflict(imageId, false, false, 'image is referenced in multiple repositories');
  }
  const stopped = users[0];
  if (check.soft && stopped) {
    return new DeleteConflict(
      imageId,
      false,
      true,
      `image is being used by stopped container ${shortId(stopped.id)}`,
    );
  }
  return undefined;
}

/** At most one tag, and every name in one repository. */
function isSingleRepository(references: string[]): boolean {
  const tags = references.filter((r) => !r.includes('@'));
  if (tags.length > 1) return false;
  return new Set(references.map(repositoryOf)).size <= 1;
}

function repositoryOf(key: string): string {
  const at = key.indexOf('@');
  if (at >= 0) return key.slice(0, at);
  return key.slice(0, key.lastIndexOf(':'));
}
