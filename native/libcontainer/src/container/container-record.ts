import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MonitoredRecord } from './monitored-process.js';

/** What a container's state dir says about it (`state.json`). */
export interface ContainerRecord extends MonitoredRecord {
  id: string;
  bundle: string;
  rootfs: string;
  created: string;
  logPath?: string;
  terminal: boolean;
  cgroupProcs: string[];
  annotations: Record<string, string>;
}

export async function writeContainerRecord(record: ContainerRecord): Promise<void> {
  const path = join(record.stateDir, 'state.json');
  await writeFile(`${path}.tmp`, JSON.stringify(record, null, 2));
  await rename(`${path}.tmp`, path);
}

export async function readContainerRecord(stateDir: string): Promise<ContainerRecord> {
  return JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as ContainerRecord;
}
