import type { HostDevice } from '@berth/exec-driver';
import type { HostDeviceMapping } from './container-record.js';

/** `HostConfig.Devices` (`--device /dev/x[:/dev/y[:rwm]]`) as the exec driver's host devices. */
export function deviceOverrides(devices: HostDeviceMapping[] | null | undefined): HostDevice[] {
  return (devices ?? []).map((d) => ({
    hostPath: d.PathOnHost,
    path: d.PathInContainer || d.PathOnHost,
    permissions: d.CgroupPermissions || 'rwm',
  }));
}
