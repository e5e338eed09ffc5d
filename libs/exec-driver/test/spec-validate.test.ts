import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecDriverError, parseSpec, validateSpec, validateState } from '../src/index.js';

const vectors = '/work/shared/specs/oci-runtime-spec/schema/test';
const files = (dir: string) =>
  readdirSync(join(vectors, dir)).map((f) => [f, readFileSync(join(vectors, dir, f), 'utf8')]);

function fails(fn: () => unknown): ExecDriverError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ExecDriverError);
    expect((err as ExecDriverError).code).toBe('ERR_SPEC_INVALID');
    return err as ExecDriverError;
  }
  throw new Error('expected ERR_SPEC_INVALID');
}

const runnable = () => ({
  ociVersion: '1.2.0',
  root: { path: 'rootfs' },
  process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'] },
  mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
  linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] },
});

describe('validateSpec against the runtime-spec test vectors', () => {
  it.each(files('config/good'))('accepts good/%s', (_name, text) => {
    expect(parseSpec(text, { runnable: false })).toBeTypeOf('object');
  });
  it.each(files('config/bad'))('rejects bad/%s', (_name, text) => {
    fails(() => parseSpec(text, { runnable: false }));
  });
  it.each(files('state/good'))('accepts state good/%s', (_name, text) => {
    expect(validateState(JSON.parse(text))).toBeTypeOf('object');
  });
  it('names the bad field of the bad vectors', () => {
    const text = readFileSync(join(vectors, 'config/bad/linux-rdma.json'), 'utf8');
    expect(fails(() => parseSpec(text, { runnable: false })).field).toBe(
      'linux.resources.rdma.mlx5_1.hcaHandles',
    );
    const hp = readFileSync(join(vectors, 'config/bad/linux-hugepage.json'), 'utf8');
    expect(fails(() => parseSpec(hp, { runnable: false })).field).toBe(
      'linux.resources.hugepageLimits[0].pageSize',
    );
  });
});

describe('validateSpec for running on Linux', () => {
  it('accepts a runnable spec', () => {
    expect(validateSpec(runnable()).process?.args).toEqual(['sh']);
  });
  it('rejects a missing root', () => {
    const { root: _root, ...spec } = runnable();
    expect(fails(() => validateSpec(spec)).field).toBe('root');
  });
  it('rejects an unknown namespace type', () => {
    const spec = runnable();
    spec.linux.namespaces.push({ type: 'bogus' });
    expect(fails(() => validateSpec(spec)).field).toBe('linux.namespaces[2].type');
  });
  it('rejects relative paths', () => {
    const a = runnable();
    a.mounts[0]!.destination = 'proc';
    expect(fails(() => validateSpec(a)).field).toBe('mounts[0].destination');
    const b = runnable();
    b.process.cwd = 'tmp';
    expect(fails(() => validateSpec(b)).field).toBe('process.cwd');
    const c = runnable() as any;
    c.linux.namespaces[0].path = 'proc/1/ns/pid';
    expect(fails(() => validateSpec(c)).field).toBe('linux.namespaces[0].path');
  });
  it('rejects wrong types and missing fields with the JSON path', () => {
    const a = runnable() as any;
    a.process.user = { uid: -1, gid: 0 };
    expect(fails(() => validateSpec(a)).field).toBe('process.user.uid');
    const b = runnable() as any;
    delete b.ociVersion;
    expect(fails(() => validateSpec(b)).field).toBe('ociVersion');
    const c = runnable() as any;
    c.process.args = [];
    expect(fails(() => validateSpec(c)).field).toBe('process.args');
    expect(fails(() => parseSpec('{]')).message).toMatch(/not valid JSON/);
    expect(fails(() => validateSpec([])).field).toBe('');
  });
  it('checks that root.path is a directory of the bundle', () => {
    expect(fails(() => validateSpec(runnable(), { bundle: '/nonexistent-bundle' })).message).toMatch(
      /does not exist/,
    );
  });
});
