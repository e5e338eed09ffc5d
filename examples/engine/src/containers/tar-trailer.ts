import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;

/**
 * Completes a tar stream that ends right after its last entry's data, with no padding and no
 * end-of-archive blocks: the docker CLI sends `docker build -f- DIR` contexts that way, and Go's
 * tar reader (dockerd's) accepts them. A stream cut anywhere else (inside a header or short of
 * an entry's declared size) is passed on as it is, for the tar parser to refuse.
 */
export class TarTrailer extends Transform {
  /** Bytes into the current 512-byte block. */
  #inBlock = 0;
  /** Data blocks still to come for the current entry, the block in progress included. */
  #dataBlocks = 0;
  /** Data bytes of the current entry not yet seen. */
  #dataBytes = 0;
  #header = Buffer.alloc(BLOCK);
  #ended = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.#ended) this.#track(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    // At the end of an entry's data, short of its block's padding: pad, then end the archive.
    if (!this.#ended && this.#dataBytes === 0 && this.#dataBlocks === 1 && this.#inBlock > 0) {
      this.push(Buffer.alloc(BLOCK - this.#inBlock + 2 * BLOCK));
    } else if (!this.#ended && this.#dataBlocks === 0 && this.#inBlock === 0) {
      this.push(Buffer.alloc(2 * BLOCK)); // entries complete, only the end blocks missing
    }
    callback();
  }

  #track(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.#ended) {
      const take = Math.min(BLOCK - this.#inBlock, chunk.length - at);
      if (this.#dataBlocks > 0) {
        this.#dataBytes = Math.max(0, this.#dataBytes - take);
      } else {
        chunk.copy(this.#header, this.#inBlock, at, at + take);
      }
      this.#inBlock += take;
      at += take;
      if (this.#inBlock < BLOCK) break;
      this.#inBlock = 0;
      if (this.#dataBlocks > 0) this.#dataBlocks--;
      else this.#startEntry();
    }
  }

  /** A whole header block has arrived: how much data follows it (none for an end block). */
  #startEntry(): void {
    if (this.#header.every((b) => b === 0)) {
      this.#ended = true; // the archive ends itself
      return;
    }
    const size = entrySize(this.#header);
    this.#dataBytes = size;
    this.#dataBlocks = Math.ceil(size / BLOCK);
  }
}

/** The size field of a ustar header: octal text, or GNU base-256 when its top bit is set. */
function entrySize(header: Buffer): number {
  const field = header.subarray(124, 136);
  if ((field[0] as number) & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] as number);
    return n;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  return text ? Number.parseInt(text, 8) : 0;
}
