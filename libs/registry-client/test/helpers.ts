import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Things to undo after each test, last first. */
export class Cleanup {
  private readonly tasks: (() => Promise<unknown> | unknown)[] = [];
  add<T>(task: () => Promise<unknown> | unknown, value?: T): T {
    this.tasks.push(task);
    return value as T;
  }
  async run(): Promise<void> {
    while (this.tasks.length) await this.tasks.pop()!();
  }
  async tempDir(prefix = 'berth-rc-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    return this.add(() => rm(dir, { recursive: true, force: true }), dir);
  }
}

/** Runs skopeo; failures carry its stderr. */
export async function skopeo(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('skopeo', args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    throw new Error(`skopeo ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr ?? err}`);
  }
}

/** Copies the `latest` image of an OCI layout into a registry with skopeo (plain HTTP). */
export async function seed(layout: string, dest: string): Promise<void> {
  await skopeo('copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${dest}`);
}
