import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of the regular files under `dir` (hard links counted once), as `du -sb` counts data. */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(path);
    } catch {
      return; // gone meanwhile, or not a directory
    }
    for (const name of entries) {
      const child = join(path, name);
      const st = await lstat(child).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) await walk(child);
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1 && seen.has(key)) continue;
        seen.add(key);
        total += st.size;
      }
    }
  };
  await walk(dir);
  return total;
}
