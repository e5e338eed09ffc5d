import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ExecDriverError } from '../errors.js';
import { SchemaValidator } from './json-schema.js';
import { runtimeSpecSchemas } from './schemas.js';
import type { Process, Spec, State } from './types.js';

let validator: SchemaValidator | undefined;
const schemaValidator = () => {
  validator ??= new SchemaValidator(runtimeSpecSchemas);
  return validator;
};

const invalid = (field: string, message: string): never => {
  throw new ExecDriverError('ERR_SPEC_INVALID', field ? `${field}: ${message}` : message, { field });
};

export interface ValidateSpecOptions {
  /**
   * Also check what a Linux runtime needs to run it (process.args, absolute paths, known and
   * unique namespaces, a user namespace for id mappings). Default true; false checks the
   * schema only (any platform).
   */
  runnable?: boolean;
  /** With it, `root.path` is resolved against the bundle and must be a directory. */
  bundle?: string;
}

/** Parses config.json text: ERR_SPEC_INVALID for bad JSON, then validateSpec. */
export function parseSpec(text: string, options: ValidateSpecOptions = {}): Spec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return invalid('', `config.json is not valid JSON: ${(err as Error).message}`);
  }
  return validateSpec(value, options);
}

/**
 * Validates an untrusted runtime spec against the OCI runtime-spec schema and (by default)
 * what Berth needs to run it on Linux. Throws ExecDriverError ERR_SPEC_INVALID naming the bad
 * field (`error.field`, e.g. `linux.namespaces[1].type`).
 */
export function validateSpec(untrusted: unknown, options: ValidateSpecOptions = {}): Spec {
  if (typeof untrusted !== 'object' || untrusted === null || Array.isArray(untrusted))
    invalid('', 'a runtime spec must be a JSON object');
  const issue = schemaValidator().validate('config-schema.json', untrusted);
  if (issue) invalid(issue.path, issue.message);
  const spec = untrusted as Spec;
  if (options.runnable === false) return spec;

  if (!spec.root) invalid('root', 'is required on Linux');
  if (spec.root!.path === '') invalid('root.path', 'must not be empty');
  if (options.bundle !== undefined) {
    const rootfs = resolve(options.bundle, spec.root!.path);
    let dir = false;
    try {
      dir = statSync(rootfs).isDirectory();
    } catch {
      invalid('root.path', `${rootfs} does not exist`);
    }
    if (!dir) invalid('root.path', `${rootfs} is not a directory`);
  }
  if (!spec.process) invalid('process', 'is required to run a container');
  validateProcess(spec.process!, 'process');
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    if (!isAbsolute(m.destination))
      invalid(`mounts[${i}].destination`, `${JSON.stringify(m.destination)} is not an absolute path`);
    if (m.destination.split('/').includes('..')) invalid(`mounts[${i}].destination`, 'must not contain ..');
  }
  const linux = spec.linux ?? {};
  const seen = new Set<string>();
  for (const [i, ns] of (linux.namespaces ?? []).entries()) {
    if (seen.has(ns.type)) invalid(`linux.namespaces[${i}].type`, `${ns.type} appears more than once`);
    seen.add(ns.type);
    if (ns.path !== undefined && !isAbsolute(ns.path))
      invalid(`linux.namespaces[${i}].path`, 'must be an absolute path');
  }
  if ((linux.uidMappings?.length || linux.gidMappings?.length) && !seen.has('user'))
    invalid('linux.uidMappings', 'id mappings need a user namespace in linux.namespaces');
  if (seen.has('user') && !(linux.namespaces ?? []).find((n) => n.type === 'user')?.path) {
    if (!linux.uidMappings?.length) invalid('linux.uidMappings', 'a new user namespace needs uid mappings');
    if (!linux.gidMappings?.length) invalid('linux.gidMappings', 'a new user namespace needs gid mappings');
  }
  for (const [key, list] of [
    ['maskedPaths', linux.maskedPaths],
    ['readonlyPaths', linux.readonlyPaths],
  ] as const) {
    for (const [i, p] of (list ?? []).entries())
      if (!isAbsolute(p)) invalid(`linux.${key}[${i}]`, `${JSON.stringify(p)} is not an absolute path`);
  }
  for (const [i, d] of (linux.devices ?? []).entries()) {
    if (!isAbsolute(d.path)) invalid(`linux.devices[${i}].path`, 'must be an absolute path');
    if (
      (d.type === 'c' || d.type === 'b' || d.type === 'u') &&
      (d.major === undefined || d.minor === undefined)
    )
      invalid(`linux.devices[${i}]`, `a ${d.type} device needs major and minor`);
  }
  for (const [phase, hooks] of Object.entries(spec.hooks ?? {}))
    for (const [i, h] of (hooks ?? []).entries())
      if (!isAbsolute(h.path)) invalid(`hooks.${phase}[${i}].path`, 'must be an absolute path');
  return spec;
}

/** Checks a process (`process` of a spec, or the process.json of an exec). */
export function validateProcess(untrusted: unknown, field = 'process'): Process {
  if (typeof untrusted !== 'object' || untrusted === null || Array.isArray(untrusted))
    invalid(field, 'must be an object');
  const p = untrusted as Process;
  if (typeof p.cwd !== 'string') invalid(`${field}.cwd`, 'is required');
  if (!isAbsolute(p.cwd)) invalid(`${field}.cwd`, `${JSON.stringify(p.cwd)} is not an absolute path`);
  if (!Array.isArray(p.args) || p.args.length === 0)
    invalid(`${field}.args`, 'must be a non-empty list of strings');
  for (const [i, a] of p.args!.entries())
    if (typeof a !== 'string') invalid(`${field}.args[${i}]`, 'must be a string');
  for (const [i, e] of (p.env ?? []).entries())
    if (typeof e !== 'string' || !e.includes('='))
      invalid(`${field}.env[${i}]`, 'must be a KEY=value string');
  if (p.user && (!Number.isInteger(p.user.uid) || !Number.isInteger(p.user.gid)))
    invalid(`${field}.user`, 'uid and gid are required integers');
  return p;
}

/** Validates a state document (the output of `runtime state`) against state-schema.json. */
export function validateState(untrusted: unknown): State {
  const issue = schemaValidator().validate('state-schema.json', untrusted);
  if (issue) invalid(issue.path, issue.message);
  return untrusted as State;
}
