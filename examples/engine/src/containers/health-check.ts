/** Docker's `Config.Healthcheck`: durations in nanoseconds, 0 meaning "the default". */
export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** One probe as `State.Health.Log` shows it. */
export interface HealthProbe {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthProbe[];
}

const SECOND = 1_000_000_000;
const DEFAULTS = {
  Interval: 30 * SECOND,
  Timeout: 30 * SECOND,
  StartPeriod: 0,
  StartInterval: 5 * SECOND,
  Retries: 3,
};

/** The container's healthcheck over the image's, field by field, as dockerd merges them. */
export function mergeHealthcheck(
  container: HealthConfig | null | undefined,
  image: HealthConfig | null | undefined,
): HealthConfig | undefined {
  if (!container) return image ?? undefined;
  if (!image) return container;
  return {
    Test: container.Test?.length ? container.Test : image.Test,
    Interval: container.Interval || image.Interval,
    Timeout: container.Timeout || image.Timeout,
    StartPeriod: container.StartPeriod || image.StartPeriod,
    StartInterval: container.StartInterval || image.StartInterval,
    Retries: container.Retries || image.Retries,
  };
}

/** The probe's command, or undefined when there is no healthcheck (`NONE`, or none at all). */
export function probeCommand(config: HealthConfig | undefined): string[] | undefined {
  const test = config?.Test;
  if (!test?.length || test[0] === 'NONE') return undefined;
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')];
  if (test[0] === 'CMD') return test.length > 1 ? test.slice(1) : undefined;
  return undefined; // `[]` would inherit; anything else is not a probe Docker runs
}

/** Timings in milliseconds, defaults filled in. */
export function probeTimings(config: HealthConfig): {
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
} {
  const ms = (ns: number | undefined, fallback: number) => Math.round((ns || fallback) / 1_000_000);
  return {
    interval: ms(config.Interval, DEFAULTS.Interval),
    timeout: ms(config.Timeout, DEFAULTS.Timeout),
    startPeriod: ms(config.StartPeriod, DEFAULTS.StartPeriod),
    startInterval: ms(config.StartInterval, DEFAULTS.StartInterval),
    retries: config.Retries || DEFAULTS.Retries,
  };
}

/**
 * The state after one probe: success makes it healthy; a failure adds to the streak (not during the
 * start period, where only a success counts) and `retries` failures in a row make it unhealthy.
 */
export function afterProbe(
  state: HealthState,
  probe: HealthProbe,
  options: { retries: number; inStartPeriod: boolean },
): HealthState {
  // dockerd keeps the last five probes.
  const log = [...state.Log, probe].slice(-5);
  if (probe.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log: log };
  if (options.inStartPeriod) return { ...state, Log: log };
  const streak = state.FailingStreak + 1;
  return { Status: streak >= options.retries ? 'unhealthy' : state.Status, FailingStreak: streak, Log: log };
}
