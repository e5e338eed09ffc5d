/** Docker Hub's canonical name in references, and the host its registry API is served from. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API = 'https://registry-1.docker.io';

export interface MirrorSettings {
  /** daemon.json `registry-mirrors`: pull-through mirrors of Docker Hub, tried in order. */
  registryMirrors?: readonly string[];
  /** Per-registry mirrors (containerd's hosts.toml idea), for registries other than Docker Hub too. */
  hosts?: Readonly<Record<string, { mirrors?: readonly string[] }>>;
}

/**
 * The mirror base URLs to try, in order, before `domain` itself when reading. Docker's semantics:
 * `registry-mirrors` apply only to Docker Hub; pushes never go to mirrors; on any failure or 404 from
 * a mirror the next one is tried, and the registry itself last.
 */
export function mirrorsFor(domain: string, settings: MirrorSettings): URL[] {
  const listed = [
    ...(settings.hosts?.[domain]?.mirrors ?? []),
    ...(domain === DOCKER_HUB ? (settings.registryMirrors ?? []) : []),
  ];
  const out: URL[] = [];
  for (const entry of listed) {
    const url = new URL(/^[a-z]+:\/\//i.test(entry) ? entry : `https://${entry}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    if (!out.some((u) => u.origin === url.origin)) out.push(new URL(url.origin));
  }
  return out;
}

/** Is `host` (with or without port) a loopback name? Docker treats those registries as insecure. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
