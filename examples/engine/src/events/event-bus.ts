import { EventEmitter } from 'node:events';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon';

/** One event as the Engine API's `/events` stream carries it. */
export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  /** Pre-1.22 fields that the docker CLI still reads for containers and images. */
  status?: string;
  id?: string;
  from?: string;
}

const HISTORY = 1000;

/** Publishes engine events to `/events` subscribers and keeps recent ones for `since`. */
export class EventBus {
  readonly #emitter = new EventEmitter().setMaxListeners(0);
  readonly #recent: EngineEvent[] = [];

  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const nowNs = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    const event: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
    };
    if (type === 'container' || type === 'image') {
      event.status = action;
      event.id = id;
      if (attributes.image) event.from = attributes.image;
    }
    this.#recent.push(event);
    if (this.#recent.length > HISTORY) this.#recent.shift();
    this.#emitter.emit('event', event);
    return event;
  }

  /** Events since a time (seconds), then live ones; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void, sinceSeconds?: number): () => void {
    if (sinceSeconds !== undefined) {
      for (const event of this.#recent) if (event.timeNano / 1e9 >= sinceSeconds) listener(event);
    }
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}

/** Docker's `/events` filters: each key present must match (any of its values). */
export function eventMatches(event: EngineEvent, filters: Map<string, string[]>): boolean {
  const attrs = event.Actor.Attributes;
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    const ok = values.some((v) => {
      switch (key) {
        case 'type':
          return event.Type === v;
        case 'event':
          return event.Action === v || event.Action.startsWith(`${v}:`);
        case 'container':
          // Network connect/disconnect events name their container in an attribute.
          if (event.Type === 'network') return attrs.container?.startsWith(v) ?? false;
          return event.Type === 'container' && (event.Actor.ID.startsWith(v) || attrs.name === v);
        case 'image':
          return attrs.image === v || (event.Type === 'image' && (event.Actor.ID === v || attrs.name === v));
        case 'network':
          return event.Type === 'network' && (event.Actor.ID.startsWith(v) || attrs.name === v);
        case 'label': {
          const [k, val] = v.split('=', 2) as [string, string | undefined];
          return k in attrs && (val === undefined || attrs[k] === val);
        }
        case 'scope':
          return v === 'local';
        default:
          return true;
      }
    });
    if (!ok) return false;
  }
  return true;
}

/** Docker's `since`/`until`: Unix seconds (with optional fraction) or an RFC 3339 time. */
export function parseEventTime(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
