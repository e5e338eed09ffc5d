import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { badRequest, conflict } from '../api/api-error.js';
import type { ContainerService } from './container-service.js';

const run = promisify(execFile);

/** `GET /containers/{id}/top`: the host's `ps` (Docker's way), keeping the rows of the container's processes. */
export async function topContainer(
  service: ContainerService,
  idOrName: string,
  psArgs: string | null,
): Promise<{ Titles: string[]; Processes: string[][] }> {
  const record = service.store.resolve(idOrName);
  if (record.state.Status !== 'running' && record.state.Status !== 'paused')
    throw conflict(`Container ${record.id} is not running`);
  const pids = new Set(await service.daemon.exec.pids(record.id));
  const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
  let stdout: string;
  try {
    ({ stdout } = await run('ps', args, { maxBuffer: 16 << 20 }));
  } catch (err) {
    throw badRequest(
      `Error running ps: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`,
    );
  }
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidColumn = titles.indexOf('PID');
  if (pidColumn < 0) throw badRequest(`Couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!pids.has(Number(fields[pidColumn]))) continue;
    // The last column (the command) may hold spaces.
    processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
  }
  return { Titles: titles, Processes: processes };
}
