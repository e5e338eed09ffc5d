import { readFile } from 'node:fs/promises';
import { ExecDriverError } from '../errors.js';
import type { Resources } from '../spec/types.js';
import type { Flags } from './args.js';

/** `64m`, `1g`, `4096`: runc's byte sizes (binary units). */
function bytes(name: string, value: string): number {
  const m = /^(-?\d+)([kmgt]?)b?$/i.exec(value.trim());
  if (!m)
    throw new ExecDriverError('ERR_INVALID_ARGUMENT', `--${name}: invalid size ${value}`, { field: name });
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Number(m[1]) * 1024 ** power;
}

function integer(name: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim()))
    throw new ExecDriverError('ERR_INVALID_ARGUMENT', `--${name}: not an integer: ${value}`, { field: name });
  return Number(value);
}

/**
 * `update`'s new limits, as runc takes them: OCI `linux.resources` JSON from `--resources FILE`
 * (`-` for stdin, which containerd uses), then the single-value flags over it.
 */
export async function resourcesFromFlags(flags: Flags): Promise<Resources> {
  const file = flags.resources as string | undefined;
  let r: Resources = {};
  if (file) {
    const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    try {
      r = JSON.parse(text) as Resources;
    } catch (err) {
      throw new ExecDriverError('ERR_INVALID_ARGUMENT', `--resources: not JSON: ${(err as Error).message}`, {
        field: 'resources',
      });
    }
  }
  const v = (name: string) => flags[name] as string | undefined;
  const memory = { ...r.memory };
  if (v('memory')) memory.limit = bytes('memory', v('memory') as string);
  if (v('memory-swap')) memory.swap = bytes('memory-swap', v('memory-swap') as string);
  if (v('memory-reservation'))
    memory.reservation = bytes('memory-reservation', v('memory-reservation') as string);
  if (Object.keys(memory).length) r.memory = memory;
  const cpu = { ...r.cpu };
  if (v('cpu-period')) cpu.period = integer('cpu-period', v('cpu-period') as string);
  if (v('cpu-quota')) cpu.quota = integer('cpu-quota', v('cpu-quota') as string);
  if (v('cpu-share')) cpu.shares = integer('cpu-share', v('cpu-share') as string);
  if (v('cpuset-cpus')) cpu.cpus = v('cpuset-cpus') as string;
  if (v('cpuset-mems')) cpu.mems = v('cpuset-mems') as string;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (v('pids-limit')) r.pids = { limit: integer('pids-limit', v('pids-limit') as string) };
  return r;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
