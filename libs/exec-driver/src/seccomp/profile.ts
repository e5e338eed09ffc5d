import { release } from 'node:os';
import { ExecDriverError } from '../errors.js';
import type { Seccomp, SeccompAction, SeccompArg, SeccompSyscall } from '../spec/types.js';

/** A seccomp profile in Docker's format (profiles/seccomp/default.json and `--security-opt seccomp=`). */
export interface DockerSeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures: string[] | null }>;
  flags?: string[];
  syscalls?: Array<{
    names?: string[];
    name?: string;
    action: SeccompAction;
    errnoRet?: number;
    args?: SeccompArg[] | null;
    comment?: string;
    includes?: ProfileCondition;
    excludes?: ProfileCondition;
  }>;
}

interface ProfileCondition {
  arches?: string[];
  caps?: string[];
  minKernel?: string;
}

export interface ResolveProfileOptions {
  /** The capabilities the process will have (the bounding set, as Docker uses). */
  capabilities: string[];
  /** Node's process.arch naming (x64, arm64, …). Default: this machine's. */
  arch?: string;
  /** Kernel release, e.g. `6.1.0`. Default: this machine's. */
  kernel?: string;
}

/** Node arch → Go arch (Docker's profile conditions) and the libseccomp native arch. */
const ARCHES: Record<string, { go: string; seccomp: string }> = {
  x64: { go: 'amd64', seccomp: 'SCMP_ARCH_X86_64' },
  ia32: { go: '386', seccomp: 'SCMP_ARCH_X86' },
  arm64: { go: 'arm64', seccomp: 'SCMP_ARCH_AARCH64' },
  arm: { go: 'arm', seccomp: 'SCMP_ARCH_ARM' },
  ppc64: { go: 'ppc64le', seccomp: 'SCMP_ARCH_PPC64LE' },
  s390x: { go: 's390x', seccomp: 'SCMP_ARCH_S390X' },
  riscv64: { go: 'riscv64', seccomp: 'SCMP_ARCH_RISCV64' },
  loong64: { go: 'loong64', seccomp: 'SCMP_ARCH_LOONGARCH64' },
  mips64el: { go: 'mips64le', seccomp: 'SCMP_ARCH_MIPSEL64' },
};

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string) =>
    v
      .split(/[.-]/)
      .slice(0, 2)
      .map((n) => Number.parseInt(n, 10) || 0);
  const [a = 0, b = 0] = parse(kernel);
  const [c = 0, d = 0] = parse(min);
  return a > c || (a === c && b >= d);
}

/**
 * Turns a Docker-format profile into plain OCI `linux.seccomp` for one process: rules whose
 * `includes`/`excludes` (capabilities, architectures, minimum kernel) do not hold are dropped,
 * `archMap` becomes the native architecture plus its sub-architectures — what dockerd does
 * before it writes config.json.
 */
export function resolveSeccompProfile(
  profile: DockerSeccompProfile,
  options: ResolveProfileOptions,
): Seccomp {
  const nodeArch = options.arch ?? process.arch;
  const arch = ARCHES[nodeArch];
  if (!arch)
    throw new ExecDriverError('ERR_INVALID_ARGUMENT', `no seccomp architecture known for ${nodeArch}`);
  const kernel = options.kernel ?? release();
  const caps = new Set(options.capabilities);

  let architectures = profile.architectures ?? [];
  if (profile.archMap?.length) {
    const entry = profile.archMap.find((a) => a.architecture === arch.seccomp);
    architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [arch.seccomp];
  }

  const syscalls: SeccompSyscall[] = [];
  for (const rule of profile.syscalls ?? []) {
    const inc = rule.includes ?? {};
    const exc = rule.excludes ?? {};
    if (inc.arches?.length && !inc.arches.includes(arch.go)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) continue;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;
    if (exc.arches?.includes(arch.go)) continue;
    if (exc.caps?.some((c) => caps.has(c))) continue;
    if (exc.minKernel && kernelAtLeast(kernel, exc.minKernel)) continue;
    const names = rule.names ?? (rule.name ? [rule.name] : []);
    if (names.length === 0) continue;
    const out: SeccompSyscall = { names: [...names], action: rule.action };
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    if (rule.args?.length) out.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(out);
  }
  const result: Seccomp = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (profile.defaultErrnoRet !== undefined) result.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags?.length) result.flags = [...profile.flags];
  return result;
}

/** Docker's default profile (moby profiles/seccomp/default.json, Apache-2.0), as data. */
export async function dockerDefaultProfile(): Promise<DockerSeccompProfile> {
  const mod = await import('./docker-default.json', { with: { type: 'json' } });
  return (mod.default ?? mod) as unknown as DockerSeccompProfile;
}
