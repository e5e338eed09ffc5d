import { join } from 'node:path';
import { OverlayDriver } from '@berth/graph-driver';
import { type ContainerConfig, type HistoryEntry, type ImageConfig, parseReference } from '@berth/image-spec';
import { compareVersions } from '../api/api-version.js';
import type { Daemon } from '../daemon/daemon.js';
import type { ImageRecord } from './image-store.js';

/** `docker.io/library/busybox:latest` → `busybox:latest`, as the API shows names. */
export function familiar(name: string): string {
  try {
    return parseReference(name).familiarString();
  } catch {
    return name;
  }
}

const unixSeconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) || 0 : 0);

/** The container-config fields older API versions always sent, empty when the image does not set them. */
function legacyConfig(config: ContainerConfig | undefined): Record<string, unknown> {
  return {
    Hostname: '',
    Domainname: '',
    User: config?.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(config?.ExposedPorts ? { ExposedPorts: config.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: config?.Env ?? null,
    Cmd: config?.Cmd ?? null,
    ...(config?.Healthcheck ? { Healthcheck: config.Healthcheck } : {}),
    ...(config?.ArgsEscaped !== undefined ? { ArgsEscaped: config.ArgsEscaped } : {}),
    Image: '',
    Volumes: config?.Volumes ?? null,
    WorkingDir: config?.WorkingDir ?? '',
    Entrypoint: config?.Entrypoint ?? null,
    OnBuild: config?.OnBuild ?? null,
    Labels: config?.Labels ?? null,
    ...(config?.StopSignal ? { StopSignal: config.StopSignal } : {}),
    ...(config?.Shell ? { Shell: config.Shell } : {}),
  };
}

/** `GraphDriver` of inspect: overlay's lower/upper dirs of the image's layers. */
function graphDriver(
  daemon: Daemon,
  image: ImageRecord,
): { Name: string; Data: Record<string, string> | null } {
  const driver = daemon.layers.driver;
  if (!(driver instanceof OverlayDriver)) return { Name: driver.name, Data: null };
  if (!image.topLayer) return { Name: 'overlay2', Data: null };
  const chain = daemon.layers.chain(image.topLayer).reverse();
  const dirs = chain.map((l) => join(driver.home, l.cacheId));
  const [top, ...lower] = dirs as [string, ...string[]];
  return {
    Name: 'overlay2',
    Data: {
      ...(lower.length ? { LowerDir: lower.map((d) => join(d, 'diff')).join(':') } : {}),
      MergedDir: join(top, 'merged'),
      UpperDir: join(top, 'diff'),
      WorkDir: join(top, 'work'),
    },
  };
}

/** `GET /images/{name}/json`: Docker's ImageInspect, shaped for the client's API version. */
export async function inspectImage(
  daemon: Daemon,
  image: ImageRecord,
  version: string,
): Promise<Record<string, unknown>> {
  const config = await daemon.images.config(image.id);
  const extra = config as ImageConfig & {
    comment?: string;
    container?: string;
    container_config?: ContainerConfig;
    docker_version?: string;
  };
  const modern = compareVersions(version, '1.50') >= 0;
  const containerConfig = modern ? cleanConfig(config.config) : legacyConfig(config.config);
  return {
    Id: image.id,
    RepoTags: image.tags.map(familiar),
    RepoDigests: image.digests.map(familiar),
    Parent: image.parent ?? '',
    Comment: extra.comment ?? '',
    ...(config.created || compareVersions(version, '1.44') < 0
      ? { Created: config.created ?? '0001-01-01T00:00:00Z' }
      : {}),
    ...(compareVersions(version, '1.45') < 0
      ? { Container: extra.container ?? '', ContainerConfig: legacyConfig(extra.container_config) }
      : {}),
    DockerVersion: extra.docker_version ?? '',
    Author: config.author ?? '',
    Config: containerConfig,
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    ...(config['os.version'] ? { OsVersion: config['os.version'] } : {}),
    Size: image.size,
    ...(compareVersions(version, '1.44') < 0 ? { VirtualSize: image.size } : {}),
    GraphDriver: graphDriver(daemon, image),
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: image.tags.length ? image.added : '0001-01-01T00:00:00Z' },
    ...(compareVersions(version, '1.46') >= 0 && image.manifestDigest && image.manifestMediaType
      ? {
          Descriptor: {
            mediaType: image.manifestMediaType,
            digest: image.manifestDigest,
            size: await daemon.content
              .readBlob({ digest: image.manifestDigest })
              .then((b) => b.length)
              .catch(() => 0),
          },
        }
      : {}),
  };
}

/** The image config's `config` with only what is set (API 1.50+). */
function cleanConfig(config: ContainerConfig | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== undefined && v !== null));
}

/** `GET /images/json` entries (ImageSummary), shaped for the client's API version. */
export async function imageSummary(
  daemon: Daemon,
  image: ImageRecord,
  version: string,
  containers: number,
): Promise<Record<string, unknown>> {
  const config = await daemon.images.config(image.id).catch(() => undefined);
  const old = compareVersions(version, '1.43') < 0;
  const untagged = image.tags.length === 0 && image.digests.length === 0;
  return {
    Containers: compareVersions(version, '1.51') >= 0 ? containers : -1,
    Created: unixSeconds(image.created),
    Id: image.id,
    Labels: config?.config?.Labels ?? (old ? null : {}),
    ParentId: image.parent ?? '',
    RepoDigests: old && untagged ? ['<none>@<none>'] : image.digests.map(familiar),
    RepoTags: old && untagged ? ['<none>:<none>'] : image.tags.map(familiar),
    SharedSize: -1,
    Size: image.size,
    ...(compareVersions(version, '1.44') < 0 ? { VirtualSize: image.size } : {}),
  };
}

/**
 * `GET /images/{name}/history`: newest first. As dockerd does, entries get the IDs (and tags) of the
 * image and its local parents, one parent per entry (a build step or commit adds one entry and one
 * image); entries below the last local parent (a pulled image's own history) are `<missing>`.
 */
export async function imageHistory(daemon: Daemon, image: ImageRecord): Promise<Record<string, unknown>[]> {
  const config = await daemon.images.config(image.id);
  const layers = image.topLayer ? daemon.layers.chain(image.topLayer) : [];
  const history: HistoryEntry[] = config.history?.length
    ? config.history
    : layers.map(() => ({ ...(config.created ? { created: config.created } : {}), empty_layer: false }));
  let layerIndex = 0;
  const entries = history.map((h) => {
    const size = h.empty_layer ? 0 : (layers[layerIndex++]?.size ?? 0);
    return {
      Id: '<missing>',
      Created: unixSeconds(h.created),
      CreatedBy: h.created_by ?? '',
      Tags: null as string[] | null,
      Size: size,
      Comment: h.comment ?? '',
    };
  });
  entries.reverse();
  let current: ImageRecord | undefined = image;
  for (const entry of entries) {
    if (!current) break;
    entry.Id = current.id;
    entry.Tags = current.tags.length ? current.tags.map(familiar) : null;
    current = current.parent ? daemon.images.get(current.parent) : undefined;
  }
  return entries;
}
