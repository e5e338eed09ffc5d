import type { ContainerRecord } from './container-record.js';
import {
  afterProbe,
  type HealthConfig,
  type HealthState,
  probeCommand,
  probeTimings,
} from './health-check.js';

/** What the monitor needs from the engine. */
export interface HealthMonitorHooks {
  /** Runs `cmd` in the running container; the output is capped, the process killed after `timeoutMs`. */
  probe(
    record: ContainerRecord,
    cmd: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }>;
  /** The container as it is now (undefined once removed). */
  current(id: string): ContainerRecord | undefined;
  save(record: ContainerRecord, health: HealthState): void;
  emit(record: ContainerRecord, action: string): void;
}

/** Runs each running container's healthcheck on its schedule, as dockerd's health monitor does. */
export class HealthMonitor {
  /** One entry per monitored container; a new start replaces it, so a late probe of an old run is dropped. */
  readonly #runs = new Map<string, { timer?: NodeJS.Timeout }>();

  constructor(private readonly hooks: HealthMonitorHooks) {}

  /** From a start (fresh `starting` state) or a daemon restart (`resume`: keeps the state it had). */
  start(record: ContainerRecord, options: { resume?: boolean } = {}): void {
    this.stop(record.id);
    const config = record.config.Healthcheck as HealthConfig | undefined;
    const cmd = probeCommand(config);
    if (!config || !cmd) return;
    const timings = probeTimings(config);
    const run = { timer: undefined as NodeJS.Timeout | undefined };
    this.#runs.set(record.id, run);
    const current = () => this.#runs.get(record.id) === run;
    if (!options.resume || !record.state.Health)
      this.hooks.save(record, { Status: 'starting', FailingStreak: 0, Log: [] });
    const startedAt = Date.parse(record.state.StartedAt) || Date.now();
    const inStartPeriod = () => Date.now() - startedAt < timings.startPeriod;
    const schedule = () => {
      const delay = inStartPeriod() ? Math.min(timings.startInterval, timings.interval) : timings.interval;
      run.timer = setTimeout(() => void probeOnce(), delay);
      run.timer.unref();
    };
    const probeOnce = async () => {
      const live = this.hooks.current(record.id);
      if (!live || !current()) return;
      if (live.state.Status !== 'running') {
        if (live.state.Status === 'paused') schedule(); // no probes while frozen, again after
        return;
      }
      const start = new Date().toISOString();
      const result = await this.hooks.probe(live, cmd, timings.timeout).catch((err: Error) => ({
        exitCode: -1,
        output: err.message,
      }));
      const now = this.hooks.current(record.id);
      if (!now || now.state.Status !== 'running' || !current()) return;
      const before = now.state.Health ?? { Status: 'starting' as const, FailingStreak: 0, Log: [] };
      const after = afterProbe(
        before,
        { Start: start, End: new Date().toISOString(), ExitCode: result.exitCode, Output: result.output },
        { retries: timings.retries, inStartPeriod: inStartPeriod() },
      );
      this.hooks.save(now, after);
      if (after.Status !== before.Status) this.hooks.emit(now, `health_status: ${after.Status}`);
      schedule();
    };
    schedule();
  }

  stop(id: string): void {
    clearTimeout(this.#runs.get(id)?.timer);
    this.#runs.delete(id);
  }

  close(): void {
    for (const id of [...this.#runs.keys()]) this.stop(id);
  }
}
