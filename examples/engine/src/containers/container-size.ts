import type { Daemon } from '../daemon/daemon.js';
import type { ContainerRecord } from './container-record.js';

export interface ContainerSize {
  /** Bytes the container wrote: its RW layer's files over the image. */
  SizeRw: number;
  /** Every file the container sees: its image plus SizeRw. */
  SizeRootFs: number;
}

/**
 * `size=true` on list and inspect, and `/system/df`, as dockerd computes them. A container
 * whose RW layer does not exist yet (created, never started) or went meanwhile wrote nothing.
 */
export async function containerSize(daemon: Daemon, record: ContainerRecord): Promise<ContainerSize> {
  const image = daemon.images.get(record.imageId)?.size ?? 0;
  const rw = daemon.layers.getRw(record.id) ? await daemon.layers.sizeRw(record.id).catch(() => 0) : 0;
  return { SizeRw: rw, SizeRootFs: image + rw };
}
