import { badRequest } from '../api/api-error.js';
import type { ContainerRecord } from './container-record.js';
import type { ContainerService } from './container-service.js';

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const KEYS = [
  'id',
  'name',
  'label',
  'status',
  'ancestor',
  'exited',
  'before',
  'since',
  'network',
  'volume',
  'health',
  'is-task',
  'publish',
  'expose',
];

function labelMatches(labels: Record<string, string>, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i < 0) return filter in labels;
  return labels[filter.slice(0, i)] === filter.slice(i + 1);
}

/** Docker's `ps` filters; each key must match one of its values. Unknown keys and bad values are 400s. */
export function containerFilter(
  service: ContainerService,
  filters: Map<string, string[]>,
): (r: ContainerRecord) => boolean {
  for (const key of filters.keys()) if (!KEYS.includes(key)) throw badRequest(`Invalid filter '${key}'`);
  for (const s of filters.get('status') ?? [])
    if (!STATUSES.includes(s)) throw badRequest(`Invalid filter 'status=${s}'`);
  for (const h of filters.get('health') ?? [])
    if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h))
      throw badRequest(`Unrecognised filter value for health: ${h}`);
  for (const e of filters.get('exited') ?? [])
    if (!/^-?\d+$/.test(e)) throw badRequest(`invalid filter 'exited=${e}'`);
  const createdOf = (ref: string) => {
    const r = service.store.resolve(ref);
    return r.created;
  };
  const before = filters.get('before')?.map(createdOf);
  const since = filters.get('since')?.map(createdOf);
  const ancestors = (filters.get('ancestor') ?? []).map((a) => ({
    name: a,
    id: service.daemon.images.find(a)?.id,
  }));
  return (r) => {
    const any = (key: string, test: (v: string) => boolean) => {
      const values = filters.get(key);
      return !values?.length || values.some(test);
    };
    const settings = (() => {
      try {
        return service.daemon.networks.networkSettings(r.id) as {
          Networks?: Record<string, { NetworkID?: string }>;
        };
      } catch {
        return {};
      }
    })();
    return (
      any('id', (v) => r.id.startsWith(v)) &&
      any('name', (v) => {
        try {
          return new RegExp(v).test(`/${r.name}`);
        } catch {
          return `/${r.name}`.includes(v);
        }
      }) &&
      any('label', (v) => labelMatches(r.config.Labels, v)) &&
      any('status', (v) => r.state.Status === v) &&
      any('health', (v) => (r.state.Health?.Status ?? 'none') === v) &&
      any('exited', (v) => r.state.Status === 'exited' && r.state.ExitCode === Number(v)) &&
      any('ancestor', (v) => {
        const a = ancestors.find((x) => x.name === v);
        return r.imageName === v || (a?.id !== undefined && a.id === r.imageId);
      }) &&
      any('network', (v) => {
        const nets = settings.Networks ?? {};
        return (
          r.hostConfig.NetworkMode === v ||
          v in nets ||
          Object.values(nets).some((n) => n.NetworkID?.startsWith(v)) ||
          (v === 'bridge' && r.hostConfig.NetworkMode === 'default')
        );
      }) &&
      (!before || before.every((t) => r.created < t)) &&
      (!since || since.every((t) => r.created > t))
    );
  };
}
