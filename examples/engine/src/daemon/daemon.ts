import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecDriver } from '@berth/exec-driver';
import { LayerStore } from '@berth/graph-driver';
import { OciLayout } from '@berth/image-spec';
import { NetworkDriver } from '@berth/network-driver';
import type { RegistryClient, RegistryClientOptions } from '@berth/registry-client';
import { ContainerService } from '../containers/container-service.js';
import { EventBus } from '../events/event-bus.js';
import { loadEmbeddedImages } from '../images/embedded-images.js';
import { recoverInterruptedImports } from '../images/image-recovery.js';
import { ImageStore } from '../images/image-store.js';
import { interfacePrefixOf } from '../networks/interface-prefix.js';
import { NetworkService } from '../networks/network-service.js';
import { type Db, openDatabase } from '../state/database.js';
import { VolumeService } from '../volumes/volume-service.js';
import type { DaemonConfig } from './config.js';
import type { Logger } from './logger.js';

/** Everything a running berthd holds: state, drivers and the services the API routes call. */
export class Daemon {
  readonly startedAt = new Date();
  readonly events = new EventBus();
  /** Stops long work (pulls, pushes, streams) when the daemon shuts down. */
  readonly shutdown = new AbortController();

  private constructor(
    /** A stable identity for this engine (dockerd's `engine-id`). */
    readonly id: string,
    readonly config: DaemonConfig,
    readonly logger: Logger,
    readonly db: Db,
    readonly content: OciLayout,
    readonly layers: LayerStore,
    readonly exec: ExecDriver,
    readonly network: NetworkDriver,
    readonly images: ImageStore,
  ) {}

  containers!: ContainerService;
  networks!: NetworkService;
  volumes!: VolumeService;

  static async open(config: DaemonConfig, logger: Logger): Promise<Daemon> {
    await mkdir(config.dataRoot, { recursive: true, mode: 0o711 });
    await mkdir(config.execRoot, { recursive: true, mode: 0o700 });
    const id = await engineId(config.dataRoot);
    const db = openDatabase(join(config.dataRoot, 'berth.db'));
    const content = await OciLayout.init(join(config.dataRoot, 'content'));
    const layers = await LayerStore.open({
      root: join(config.dataRoot, 'layers'),
      driver: config.storageDriver,
    });
    const exec = new ExecDriver({
      root: join(config.execRoot, 'runtime'),
      cgroupParent: cgroupParentOf(config),
    });
    const network = await NetworkDriver.open({
      root: join(config.dataRoot, 'network'),
      runRoot: join(config.execRoot, 'network'),
      table: nftTableOf(config),
      ifPrefix: interfacePrefixOf(config.bridgeName),
      defaultNetwork: {
        name: 'bridge',
        bridge: config.bridgeName,
        ...(config.bip ? bipToNetwork(config.bip) : {}),
      },
      ...(config.defaultAddressPools.length ? { addressPools: config.defaultAddressPools } : {}),
    });
    const daemon = new Daemon(
      id,
      config,
      logger,
      db,
      content,
      layers,
      exec,
      network,
      new ImageStore(db, content, layers),
    );
    daemon.networks = new NetworkService(daemon);
    daemon.containers = new ContainerService(daemon);
    daemon.volumes = new VolumeService(daemon);
    daemon.volumes.adoptOrphans();
    await recoverInterruptedImports(daemon.images, logger);
    // Work dirs of builds the daemon stopped in the middle of (before any new build can start).
    await rm(join(config.dataRoot, 'builder'), { recursive: true, force: true });
    await loadEmbeddedImages(daemon.images, logger);
    await daemon.networks.recover();
    await daemon.containers.recover();
    return daemon;
  }

  /** A registry client for one request: the daemon's mirrors and insecure registries, the caller's credentials. */
  async registry(options: Pick<RegistryClientOptions, 'credentials'> = {}): Promise<RegistryClient> {
    // Loaded on first use: the client and its HTTP stack are a third of an idle daemon's memory.
    const { RegistryClient } = await import('@berth/registry-client');
    return new RegistryClient({
      ...options,
      registryMirrors: this.config.registryMirrors,
      insecureRegistries: this.config.insecureRegistries,
      concurrency: this.config.maxConcurrentDownloads,
      userAgent: 'berthd/0.0.0',
    });
  }

  /** Leaves containers running (their monitors own them); closes state. */
  async close(): Promise<void> {
    this.shutdown.abort();
    await this.containers.close();
    // Its cgroup parent goes too when no container is left running in it.
    await this.exec.removeCgroupParent().catch(() => undefined);
    await this.network.close();
    await this.layers.close();
    this.db.close();
  }
}

/** The default bridge's subnet and gateway from dockerd's `bip` (`172.17.0.1/16`). */
function bipToNetwork(bip: string): { subnet: string; gateway: string } {
  const [address = '', prefix = '16'] = bip.split('/');
  const bits = Number(prefix);
  const n = address.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base = (n & mask) >>> 0;
  const dotted = [24, 16, 8, 0].map((s) => (base >>> s) & 255).join('.');
  return { subnet: `${dotted}/${bits}`, gateway: address };
}

/** Daemons side by side keep their own cgroup parent and nft table, named after their bridge. */
function cgroupParentOf(config: DaemonConfig): string {
  return config.bridgeName === 'berth0' ? 'berth' : `berth-${config.bridgeName}`;
}

function nftTableOf(config: DaemonConfig): string {
  return config.bridgeName === 'berth0'
    ? 'berth'
    : `berth_${config.bridgeName.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

async function engineId(dataRoot: string): Promise<string> {
  const path = join(dataRoot, 'engine-id');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const id = randomUUID();
    await writeFile(path, id, { mode: 0o600 });
    return id;
  }
}
