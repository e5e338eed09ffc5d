import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared spec folder that sits beside the repository checkout. */
export const specsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/specs');

export interface SpecExample {
  file: string;
  title: string;
  mediaType: string;
  json: string;
}

/** The fenced examples the OCI image spec tags with a media type (its own test vectors). */
export function imageSpecExamples(): SpecExample[] {
  const files = ['manifest.md', 'image-index.md', 'image-layout.md', 'config.md', 'descriptor.md'];
  const out: SpecExample[] = [];
  for (const file of files) {
    const text = readFileSync(resolve(specsDir, 'oci-image-spec', file), 'utf8');
    const fence = /^([ \t]*)```json,title=([^&\n]+)&mediatype=([^\n]+)\n([\s\S]*?)^\1```/gm;
    for (const m of text.matchAll(fence)) {
      const indent = m[1]!;
      const json = m[4]!
        .split('\n')
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n');
      out.push({ file, title: decodeURIComponent(m[2]!), mediaType: decodeURIComponent(m[3]!), json });
    }
  }
  return out;
}
