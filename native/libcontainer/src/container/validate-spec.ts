import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LibcontainerError } from '../errors.js';
import type { RuntimeProcess, RuntimeSpec } from './runtime-spec.js';

const NAMESPACE_TYPES = new Set(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time']);
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function invalid(field: string, message: string): never {
  throw new LibcontainerError('ERR_SPEC_INVALID', `${field}: ${message}`, { path: field });
}

export function validateContainerId(id: string): void {
  if (!ID.test(id))
    invalid('id', `${JSON.stringify(id)} is not a valid container ID (letters, digits, _ . -; at most 128)`);
}

/** The checks worth doing before a process is started; the monitor checks the rest. */
export function validateProcess(process: RuntimeProcess | undefined, field = 'process'): void {
  if (!process || typeof process !== 'object') invalid(field, 'is required');
  if (
    !Array.isArray(process.args) ||
    process.args.length === 0 ||
    !process.args.every((a) => typeof a === 'string')
  ) {
    invalid(`${field}.args`, 'must be a non-empty list of strings');
  }
  if (typeof process.cwd !== 'string' || !isAbsolute(process.cwd))
    invalid(`${field}.cwd`, 'must be an absolute path');
  if (
    process.env !== undefined &&
    (!Array.isArray(process.env) || !process.env.every((e) => typeof e === 'string'))
  ) {
    invalid(`${field}.env`, 'must be a list of strings');
  }
}

/** Checks a spec and returns the absolute rootfs path. */
export function validateSpec(spec: RuntimeSpec, bundle: string): string {
  if (!spec || typeof spec !== 'object') invalid('spec', 'must be an object');
  if (typeof spec.root?.path !== 'string' || spec.root.path === '') invalid('root.path', 'is required');
  const rootfs = resolve(bundle, spec.root.path);
  let isDir = false;
  try {
    isDir = statSync(rootfs).isDirectory();
  } catch {
    invalid('root.path', `${rootfs} does not exist`);
  }
  if (!isDir) invalid('root.path', `${rootfs} is not a directory`);
  validateProcess(spec.process);
  for (const [i, ns] of (spec.linux?.namespaces ?? []).entries()) {
    if (!NAMESPACE_TYPES.has(ns.type))
      invalid(`linux.namespaces[${i}].type`, `unknown namespace type ${JSON.stringify(ns.type)}`);
    if (ns.path !== undefined && !isAbsolute(ns.path))
      invalid(`linux.namespaces[${i}].path`, 'must be an absolute path');
  }
  return rootfs;
}
