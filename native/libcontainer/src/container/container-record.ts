import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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

// One small file, read or written on every operation: synchronous calls cost less than
// threadpool round trips.

export async function writeContainerRecord(record: ContainerRecord): Promise<void> {
  const path = join(record.stateDir, 'state.json');
  writeFileSync(`${path}.tmp`, JSON.stringify(record, null, 2));
  renameSync(`${path}.tmp`, path);
}

export async function readContainerRecord(stateDir: string): Promise<ContainerRecord> {
  return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as ContainerRecord;
}
