import type { CreateOptions } from '@berth/exec-driver';
import { fromHumanSize } from './human-size.js';
import { keepsLog, type LogConfig } from './log-config.js';

/**
 * What the exec driver needs to log a run as the (checked) config says. As with dockerd's
 * json-file, `max-file` without `max-size` rotates nothing.
 */
export function execLogOptions(log: LogConfig): Pick<CreateOptions, 'logRotation' | 'noLog'> {
  if (!keepsLog(log)) return { noLog: true };
  const size = log.Config['max-size'];
  if (size === undefined) return {};
  const maxFiles = Number(log.Config['max-file'] ?? '1');
  return { logRotation: { maxSize: fromHumanSize(size), maxFiles } };
}
