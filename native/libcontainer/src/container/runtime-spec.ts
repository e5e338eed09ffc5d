/**
 * The parts of an OCI runtime spec (config.json) that this package reads itself. The whole
 * document is passed to the monitor as it is; `@berth/exec-driver` has the complete types.
 */
export interface RuntimeSpec {
  ociVersion?: string;
  root: { path: string; readonly?: boolean };
  process: RuntimeProcess;
  hostname?: string;
  mounts?: Array<{ destination: string; type?: string; source?: string; options?: string[] }>;
  linux?: {
    namespaces?: Array<{ type: string; path?: string }>;
    [key: string]: unknown;
  };
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface RuntimeProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user?: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: Record<
    'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient',
    string[] | undefined
  >;
  rlimits?: Array<{ type: string; hard: number; soft: number }>;
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  [key: string]: unknown;
}
