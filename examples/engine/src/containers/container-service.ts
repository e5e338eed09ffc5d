import type { Daemon } from '../daemon/daemon.js';

/** Containers: records in SQLite, run by the exec driver on layers from the layer store. */
export class ContainerService {
  constructor(readonly daemon: Daemon) {}

  /** On daemon start: re-find running containers, note exits that happened while it was down. */
  async recover(): Promise<void> {}

  async close(): Promise<void> {}
}
