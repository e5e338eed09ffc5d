import { join } from 'node:path';

/**
 * Where berth-monitors keep compiled seccomp programs for the containers of a state root
 * (`--seccomp-cache`): most containers share a profile, and compiling one takes ~10 ms. A
 * dot name, so it is never taken for a container's state dir.
 */
export const seccompCacheDir = (stateRoot: string): string => join(stateRoot, '.seccomp-cache');
