import type { Daemon } from '../daemon/daemon.js';

/** Networks: Docker's network objects over the network driver, with records in SQLite. */
export class NetworkService {
  constructor(readonly daemon: Daemon) {}

  /** On daemon start: make sure the predefined networks (bridge, host, none) have records. */
  async recover(): Promise<void> {}
}
