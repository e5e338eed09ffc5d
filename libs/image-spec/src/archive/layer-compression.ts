import { open } from 'node:fs/promises';
import type { LayerCompression } from '../media-types.js';

/** Tells a layer's compression from its first bytes (gzip and zstd magic numbers). */
export function compressionOfHeader(head: Uint8Array): LayerCompression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export async function compressionOfFile(path: string): Promise<LayerCompression> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    return compressionOfHeader(head);
  } finally {
    await fh.close();
  }
}
