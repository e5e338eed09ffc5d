import { nativeAddon } from '../native.js';

interface MemoryNative {
  trimMemory(): boolean;
}

/**
 * Gives the heap memory this process has freed back to the kernel (glibc's `malloc_trim`): a
 * daemon calls it once idle after a burst of work, which Node and glibc do not do on their own.
 * True when memory was released; false when there was none, or off glibc.
 */
export function trimMemory(): boolean {
  return nativeAddon<MemoryNative>().trimMemory();
}
