import { posix } from 'node:path';
import type { ContainerConfig } from '@berth/image-spec';
import { badRequest } from '../api/api-error.js';

/**
 * `docker commit --change`: Dockerfile instructions applied to the new image's config, as dockerd's
 * BuildFromConfig does. The instructions that only set config are taken (CMD, ENTRYPOINT, ENV,
 * EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR); the rest are refused, as dockerd does.
 * HEALTHCHECK is refused too (its flags are not parsed here).
 */
export function applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
  const out: ContainerConfig = { ...config };
  // An ENTRYPOINT drops an inherited CMD, unless a CMD is among the changes (Dockerfile rules).
  let cmdSet = false;
  for (const line of changes.flatMap((c) => c.split('\n'))) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const space = trimmed.search(/\s/);
    const instruction = (space < 0 ? trimmed : trimmed.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : trimmed.slice(space).trim();
    switch (instruction) {
      case 'CMD':
        out.Cmd = commandOf(rest);
        cmdSet = true;
        break;
      case 'ENTRYPOINT':
        out.Entrypoint = commandOf(rest);
        if (!cmdSet) out.Cmd = null;
        break;
      case 'ENV':
        out.Env = withEnv(out.Env ?? [], keyValues(rest, 'ENV'));
        break;
      case 'LABEL':
        out.Labels = { ...(out.Labels ?? {}), ...Object.fromEntries(keyValues(rest, 'LABEL')) };
        break;
      case 'EXPOSE':
        out.ExposedPorts = {
          ...(out.ExposedPorts ?? {}),
          ...Object.fromEntries(words(rest).map((p) => [portKey(p), {}])),
        };
        break;
      case 'VOLUME':
        out.Volumes = { ...(out.Volumes ?? {}), ...Object.fromEntries(listOf(rest).map((v) => [v, {}])) };
        break;
      case 'USER':
        out.User = required(rest, instruction);
        break;
      case 'WORKDIR':
        out.WorkingDir = posix.resolve(out.WorkingDir || '/', required(rest, instruction));
        break;
      case 'STOPSIGNAL':
        out.StopSignal = required(rest, instruction);
        break;
      case 'ONBUILD':
        out.OnBuild = [...(out.OnBuild ?? []), required(rest, instruction)];
        break;
      default:
        throw badRequest(`${instruction} is not a valid change command`);
    }
  }
  return out;
}

function required(value: string, instruction: string): string {
  if (!value) throw badRequest(`${instruction} requires an argument`);
  return value;
}

/** JSON form (`["a","b"]`) when it parses as a list of strings, else shell form (`sh -c`). */
function commandOf(rest: string): string[] {
  const json = jsonList(rest);
  if (json) return json;
  return ['/bin/sh', '-c', required(rest, 'CMD/ENTRYPOINT')];
}

function jsonList(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(rest);
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed;
  } catch {
    // not JSON: the shell form
  }
  return undefined;
}

function listOf(rest: string): string[] {
  return jsonList(rest) ?? words(rest);
}

/** Words split on blanks, honouring double and single quotes and backslash escapes. */
function words(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && quote !== "'" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = '';
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw badRequest(`unterminated quote in ${JSON.stringify(text)}`);
  if (inWord) out.push(word);
  return out;
}

/** `K=V K2="v 2"`, or the old one-pair form `K some value`. */
function keyValues(rest: string, instruction: string): Array<[string, string]> {
  const parts = words(required(rest, instruction));
  if (!parts[0]?.includes('=')) {
    const [key = '', ...value] = parts;
    if (value.length === 0) throw badRequest(`${instruction} ${key}: a value is required (${key}=value)`);
    return [[key, value.join(' ')]];
  }
  return parts.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw badRequest(`${instruction}: ${JSON.stringify(p)} is not of the form key=value`);
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}

/** Env with each key set once: a new value replaces the old in place. */
export function withEnv(env: string[], pairs: Array<[string, string]>): string[] {
  const out = [...env];
  for (const [key, value] of pairs) {
    const at = out.findIndex((e) => e === key || e.startsWith(`${key}=`));
    if (at >= 0) out[at] = `${key}=${value}`;
    else out.push(`${key}=${value}`);
  }
  return out;
}

function portKey(port: string): string {
  if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(port)) throw badRequest(`invalid port to expose: ${port}`);
  return port.includes('/') ? port.toLowerCase() : `${port}/tcp`;
}
