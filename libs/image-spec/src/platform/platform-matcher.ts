import { match } from 'ts-pattern';
import type { Platform } from '../types/platform.js';
import { normalizePlatform } from './normalize-platform.js';

/** True when a candidate platform (e.g. an index entry's) can run where the matcher was made for. */
export type PlatformMatcher = (candidate: Platform | undefined) => boolean;

/** Versions `from - 1` down to `to`, e.g. (7, 5) → [6, 5]. */
const below = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, from - to) }, (_, i) => from - 1 - i);

/** The numbers of a `vN` or `vN.M` variant, or undefined when it is not one. */
function variantVersion(variant: string | undefined): [major: number, minor: number] | undefined {
  const m = /^v(\d+)(?:\.(\d+))?$/.exec(variant ?? '');
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

/** Older arm64 variants an arm64 CPU of `variant` runs, best first (`''` is v8.0). */
function arm64Variants(variant: string | undefined): string[] {
  const [major, minor] = variantVersion(variant || 'v8') ?? [0, 0];
  const name = (maj: number, min: number) => (min === 0 ? `v${maj}` : `v${maj}.${min}`);
  if (major === 9) {
    // v9.x is a superset of v8.(x+5): v9.0 branched off v8.5.
    return [
      ...below(minor, 0).map((m) => name(9, m)),
      name(8, minor + 5),
      ...below(minor + 5, 0).map((m) => name(8, m)),
    ];
  }
  return major >= 8 ? below(minor, 0).map((m) => name(major, m)) : [];
}

/** The platforms lesser than `want` that it also runs, best first (containerd's `platforms.Only`). */
function fallbacks(want: Platform): Platform[] {
  const { variant: _, ...base } = want;
  const as = (architecture: string, variant?: string): Platform => ({
    ...base,
    architecture,
    ...(variant && { variant }),
  });
  const version = variantVersion(want.variant)?.[0];
  return match(want.architecture)
    .with('amd64', () => [...below(version ?? 1, 1).map((v) => as('amd64', `v${v}`)), as('386')])
    .with('arm', () => below(version ?? 0, 5).map((v) => as('arm', `v${v}`)))
    .with('arm64', () => [
      ...arm64Variants(want.variant).map((v) => as('arm64', v)),
      ...[8, 7, 6, 5].map((v) => as('arm', `v${v}`)),
    ])
    .otherwise(() => []);
}

/**
 * The platforms `want` accepts, best first: itself, then what its CPU also runs.
 * amd64/vN also runs amd64/v(N-1)…v1 and then 386; arm/vN runs arm/v(N-1)…v5; arm64 runs
 * older arm64 variants and then arm/v8…v5.
 */
export function compatiblePlatforms(want: Platform): Platform[] {
  const wanted = normalizePlatform(want);
  return [wanted, ...fallbacks(wanted).map(normalizePlatform)];
}

/**
 * Same os, architecture and variant; the candidate's os.features must all be wanted.
 * os.version is not compared: only Windows uses it, with build-number rules out of scope here.
 */
function samePlatform(want: Platform, have: Platform): boolean {
  return (
    want.os === have.os &&
    want.architecture === have.architecture &&
    (want.variant ?? '') === (have.variant ?? '') &&
    (have['os.features'] ?? []).every((f) => want['os.features']?.includes(f) ?? false)
  );
}

/** Position of `have` in `accepted` (lower is better), or -1 when it does not match. */
function rank(accepted: Platform[], have: Platform | undefined): number {
  // A candidate without os or architecture is unusable, never a wildcard.
  if (!have?.os || !have.architecture) return -1;
  const normalized = normalizePlatform(have);
  return accepted.findIndex((p) => samePlatform(p, normalized));
}

/** A matcher for candidates `want` can run, including its fallbacks (see compatiblePlatforms). */
export function platformMatcher(want: Platform): PlatformMatcher {
  const accepted = compatiblePlatforms(want);
  return (candidate) => rank(accepted, candidate) >= 0;
}

export function matchesPlatform(want: Platform, have: Platform | undefined): boolean {
  return platformMatcher(want)(have);
}

/**
 * A sort comparator putting better matches for `want` first: the exact platform, then its
 * fallbacks in order (arm/v7 before v6 before v5), then platforms that do not match at all.
 */
export function comparePlatforms(
  want: Platform,
): (a: Platform | undefined, b: Platform | undefined) => number {
  const accepted = compatiblePlatforms(want);
  const score = (p: Platform | undefined) => {
    const r = rank(accepted, p);
    return r < 0 ? accepted.length : r;
  };
  return (a, b) => score(a) - score(b);
}
