import { z } from 'zod';
import { ImageSpecError } from '../errors.js';
import { formatJsonPath } from '../validate/json-path.js';

/** One entry of a docker-save `manifest.json`. */
export interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

const entrySchema = z.looseObject({
  Config: z.string().min(1),
  RepoTags: z.array(z.string()).nullable().optional(),
  Layers: z.array(z.string().min(1)),
});

export function parseDockerArchiveManifest(bytes: Buffer): DockerArchiveEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ImageSpecError(
      'ERR_ARCHIVE_INVALID',
      `manifest.json is not valid JSON: ${(err as Error).message}`,
    );
  }
  const result = z.array(entrySchema).safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ImageSpecError('ERR_ARCHIVE_INVALID', issue.message, {
      field: `manifest.json${formatJsonPath(issue.path)}`,
    });
  }
  return result.data.map((e) => ({ Config: e.Config, RepoTags: e.RepoTags ?? null, Layers: e.Layers }));
}
