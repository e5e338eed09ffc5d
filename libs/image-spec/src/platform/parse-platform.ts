import { ImageSpecError } from '../errors.js';
import type { Platform } from '../types/platform.js';
import { hostPlatform } from './host-platform.js';
import { KNOWN_ARCH, KNOWN_OS, normalizeOs, normalizePlatform } from './normalize-platform.js';

const COMPONENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses a platform specifier, `<os>|<arch>|<os>/<arch>[/<variant>]`, into a normalised
 * platform. A lone component is an OS if it is a known one (the host supplies the arch),
 * else a known architecture (the host supplies the OS), as containerd does.
 */
export function parsePlatform(specifier: string): Platform {
  const invalid = (why: string) =>
    new ImageSpecError('ERR_PLATFORM_INVALID', `invalid platform ${JSON.stringify(specifier)}: ${why}`);

  const parts = specifier.split('/');
  if (parts.length > 3) throw invalid('expected <os>, <arch> or <os>/<arch>[/<variant>]');
  const bad = parts.find((part) => !COMPONENT.test(part));
  if (bad !== undefined)
    throw invalid(bad === '' ? 'empty component' : `bad component ${JSON.stringify(bad)}`);

  const [first = '', architecture, variant] = parts;
  if (architecture !== undefined) {
    return normalizePlatform({ os: first, architecture, ...(variant !== undefined && { variant }) });
  }

  const host = hostPlatform();
  if (KNOWN_OS.has(normalizeOs(first))) {
    const { architecture, variant } = host;
    return { os: normalizeOs(first), architecture, ...(variant && { variant }) };
  }
  const asArch = normalizePlatform({ os: host.os, architecture: first });
  if (KNOWN_ARCH.has(asArch.architecture)) return asArch;
  throw invalid('unknown operating system or architecture');
}

/** `os/arch[/variant]`; missing fields (from untrusted documents) show as `unknown`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os || 'unknown', platform.architecture || 'unknown', platform.variant]
    .filter(Boolean)
    .join('/');
}
