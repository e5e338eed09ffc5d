import { ExecDriverError } from '../errors.js';

/**
 * The cgroup a container gets: `linux.cgroupsPath` when given, `<parent>/<id>` otherwise.
 * systemd-style paths (`slice:prefix:name`, as engines pass with --systemd-cgroup) map to
 * the cgroupfs path systemd would use: `machine.slice/libpod-<id>.scope`, with a slice name
 * like `a-b.slice` expanded to `a.slice/a-b.slice`.
 */
export function containerCgroupPath(id: string, cgroupsPath: string | undefined, parent = 'berth'): string {
  if (!cgroupsPath) return `/${parent}/${id}`;
  const parts = cgroupsPath.split(':');
  if (parts.length === 3 && !cgroupsPath.startsWith('/')) {
    const [slice = '', prefix = '', name = ''] = parts;
    if (!name)
      throw new ExecDriverError('ERR_SPEC_INVALID', `bad systemd cgroupsPath ${cgroupsPath}`, {
        field: 'linux.cgroupsPath',
      });
    const sliceName = slice || 'system.slice';
    const base = sliceName.replace(/\.slice$/, '');
    const chain: string[] = [];
    const pieces = base.split('-');
    for (let i = 1; i <= pieces.length; i++) chain.push(`${pieces.slice(0, i).join('-')}.slice`);
    if (base === '') chain.splice(0, chain.length);
    const unit = name.endsWith('.slice') ? name : `${prefix ? `${prefix}-` : ''}${name}.scope`;
    return `/${[...chain, unit].join('/')}`;
  }
  return cgroupsPath.startsWith('/') ? cgroupsPath : `/${cgroupsPath}`;
}
