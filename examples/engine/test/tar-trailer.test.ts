import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { TarTrailer } from '../src/containers/tar-trailer.js';

/** A tar of these files as tar-stream writes it: padded, with its two end blocks. */
async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const [name, text] of Object.entries(files)) pack.entry({ name }, text);
  pack.finalize();
  return buffer(pack);
}

async function entries(tar: Buffer): Promise<Record<string, string>> {
  const extract = tarStream.extract();
  const out: Record<string, string> = {};
  const done = (async () => {
    for await (const entry of extract) out[entry.header.name] = (await buffer(entry)).toString();
  })();
  Readable.from([tar]).pipe(new TarTrailer()).pipe(extract);
  await done;
  return out;
}

describe('TarTrailer', () => {
  const files = { 'a.txt': 'data\n', '.dockerfile.x': 'FROM busybox\n' };

  it('reads a tar the docker CLI cut after the last entry (no padding, no end blocks)', async () => {
    const whole = await tarOf(files);
    const lastData = 3 * 512 + files['.dockerfile.x'].length; // two headers, one data block, a header
    expect(await entries(whole.subarray(0, lastData))).toEqual(files);
    expect(await entries(whole.subarray(0, 4 * 512))).toEqual(files); // padded, end blocks missing
    expect(await entries(whole)).toEqual(files);
  });

  it('still refuses a tar cut inside a header or short of an entry', async () => {
    const whole = await tarOf(files);
    await expect(entries(whole.subarray(0, 2 * 512 + 100))).rejects.toThrow();
    await expect(entries(whole.subarray(0, 3 * 512 + 3))).rejects.toThrow();
  });
});
