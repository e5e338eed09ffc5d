import { constants } from 'node:os';
import { callNative, fromNativeError } from '../errors.js';
import { nativeAddon } from '../native.js';

interface ProcessNative {
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  pidfdWait(pidfd: number): Promise<void>;
  closeFd(fd: number): void;
}

const native = () => nativeAddon<ProcessNative>();

/** A handle on a process that cannot be confused with a later process of the same PID. */
export class Pidfd {
  readonly pid: number;
  private fd: number;

  private constructor(pid: number, fd: number) {
    this.pid = pid;
    this.fd = fd;
  }

  /** Opens a handle; fails with errnoCode ESRCH when the process is gone. */
  static open(pid: number): Pidfd {
    return new Pidfd(
      pid,
      callNative(() => native().pidfdOpen(pid)),
    );
  }

  /** Sends a signal (a number, or a name such as `SIGTERM`). */
  signal(signal: number | NodeJS.Signals): void {
    const number = typeof signal === 'number' ? signal : signalNumber(signal);
    callNative(() => native().pidfdSendSignal(this.fd, number));
  }

  /** Resolves once the process has exited (event-driven: epoll on the pidfd). */
  async exited(): Promise<void> {
    try {
      await native().pidfdWait(this.fd);
    } catch (err) {
      throw fromNativeError(err);
    }
  }

  close(): void {
    if (this.fd >= 0) native().closeFd(this.fd);
    this.fd = -1;
  }
}

/** `SIGTERM` → 15; also accepts names without the SIG prefix and numeric strings. */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number') return signal;
  if (/^\d+$/.test(signal)) return Number(signal);
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`).toUpperCase() as NodeJS.Signals;
  const n = constants.signals[name];
  if (n === undefined) throw new RangeError(`unknown signal ${JSON.stringify(signal)}`);
  return n;
}
