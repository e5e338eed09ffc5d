import { describe, expect, it } from 'vitest';
import { withoutUnsetSections } from '../src/driver/unset-resources.js';
import { stateName } from '../src/index.js';

describe('what engines pass', () => {
  it('state names keep an exec attach socket under 108 bytes below long engine roots', () => {
    const id = 'f'.repeat(64);
    const root = '/tmp/berth-test-dk-abcdef/x/runtime-runc/a-longer-namespace';
    const name = stateName(id, root);
    expect(`${root}/${name}/exec/mwzx74bm-10/attach.sock`.length).toBeLessThanOrEqual(107);
    expect(stateName(id, root)).toBe(name);
    expect(stateName(`${'f'.repeat(63)}e`, root)).not.toBe(name);
    // Short roots keep the earlier names (containers made before still resolve).
    expect(stateName(id, '/run/berth/runtime')).toBe(stateName(id));
    expect(stateName('short', root)).toBe('short');
  });

  it("resource sections that set nothing (dockerd's blockIO weight 0) are dropped; real ones stay", () => {
    expect(withoutUnsetSections({ blockIO: { weight: 0 }, hugepageLimits: [], cpu: { shares: 0 } })).toEqual({
      cpu: { shares: 0 },
    });
    expect(withoutUnsetSections({ blockIO: { weight: 500 } })).toEqual({ blockIO: { weight: 500 } });
  });
});
