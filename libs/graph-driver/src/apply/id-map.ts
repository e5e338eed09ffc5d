import { GraphDriverError } from '../errors.js';

/** One range of an id mapping, in the OCI runtime spec's shape (`linux.uidMappings`). */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** Container → host id mappings for user namespaces; an empty list maps ids to themselves. */
export interface IdMappings {
  uidMappings?: readonly IdMapping[];
  gidMappings?: readonly IdMapping[];
}

/** Maps a container id to the host id, or fails for an id outside every range. */
export function toHostId(id: number, mappings: readonly IdMapping[] | undefined, what: string): number {
  if (!mappings || mappings.length === 0) return id;
  for (const m of mappings) {
    if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  }
  throw new GraphDriverError('ERR_LAYER_INVALID', `${what} ${id} is not in the id mappings`);
}

/** Maps a host id back to the container id (for diffs of remapped layers). */
export function toContainerId(id: number, mappings: readonly IdMapping[] | undefined): number {
  if (!mappings || mappings.length === 0) return id;
  for (const m of mappings) {
    if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + (id - m.hostID);
  }
  return 65534;
}
