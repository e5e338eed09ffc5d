import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_CLI, type TestDaemon } from './berthd.js';

/** A build context directory (`berth-test-build-*` in the temp dir) with these files (`name` → content). */
export function contextDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-build-'));
  writeContext(dir, files);
  return dir;
}

export function writeContext(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** `docker build` with the classic builder (DOCKER_BUILDKIT=0) against the test daemon. */
export function dockerBuild(
  daemon: TestDaemon,
  dir: string,
  args: string[] = [],
  cli = DOCKER_CLI,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(cli, ['-H', `unix://${daemon.socket}`, 'build', ...args, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(daemon.dir, 'docker-config') },
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
  });
}

/** The steps of a classic build's output: each `Step n/m : …` line, and whether it said `Using cache`. */
export function buildSteps(output: string): { step: string; cached: boolean }[] {
  return output
    .split(/^(?=Step \d+\/\d+ : )/m)
    .filter((block) => block.startsWith('Step '))
    .map((block) => ({
      step: (block.split('\n')[0] as string).replace(/^Step \d+\/\d+ : /, ''),
      cached: block.includes('\n ---> Using cache\n'),
    }));
}

/** The ID a classic build printed (`Successfully built <short id>`). */
export function builtId(output: string): string | undefined {
  return /Successfully built ([0-9a-f]{12})/.exec(output)?.[1];
}
