import { createRequire } from 'node:module';
import { decodeHeader } from './header.js';
import { installPaxXattrDecoder, type PaxWithXattrs } from './pax.js';

/** A decoded tar header (tar-stream's shape), long names and PAX records applied. */
export interface TarHeader {
  name: string;
  type?: string | null;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** Seconds since the epoch (NaN when out of range). */
  mtime?: number;
  linkname?: string | null;
  devmajor?: number;
  devminor?: number;
  pax?: PaxWithXattrs | null;
}

/**
 * Where a TarReader puts entries, synchronously. Most entries come whole: their data (maybe
 * none) is all there in `parts`. Entries bigger than the reader's `wholeLimit` come in
 * pieces: `begin`, `data` for each piece, `end`.
 */
export interface TarEntrySink {
  whole(header: TarHeader, parts: Buffer[]): void;
  begin(header: TarHeader): void;
  data(chunk: Buffer): void;
  end(): void;
}

interface TarStreamHeaders {
  decode(
    buf: Buffer,
    filenameEncoding: string,
    allowUnknownFormat: boolean,
  ): (Omit<TarHeader, 'mtime'> & { mtime?: Date }) | null;
  decodePax(buf: Buffer): PaxWithXattrs;
  decodeLongPath(buf: Buffer, encoding: string): string;
}

const BLOCK = 512;
const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;
const LONG_HEADERS = new Set(['gnu-long-path', 'gnu-long-link-path', 'pax-global-header', 'pax-header']);

enum State {
  Header,
  /** Collecting a long-name or PAX header's data. */
  Long,
  /** Collecting a whole entry's data. */
  Whole,
  /** Passing a big entry's data through. */
  Stream,
  /** Skipping the zero padding after data. */
  Pad,
}

let headers: TarStreamHeaders | undefined;

/** tar-stream's decoder, for what the fast one leaves (see header.ts); mtime in seconds. */
function slowDecode(buf: Buffer, off: number): TarHeader | null {
  const h = headers!.decode(buf.subarray(off, off + BLOCK), 'utf-8', false);
  if (!h) return null;
  return { ...h, mtime: h.mtime === undefined ? undefined : h.mtime.getTime() / 1000 };
}

/**
 * A push parser for tar streams that hands entries to a sink synchronously, with no stream
 * or promise per entry: applying a layer is mostly many small entries, and that per-entry
 * machinery cost more than the file system calls. Plain headers are decoded in place
 * (header.ts); the rest by tar-stream's own decoder (ustar, GNU long names, PAX, base-256
 * numbers), with the same framing rules as tar-stream's extractor (which this replaces on
 * the apply path).
 */
export class TarReader {
  readonly #sink: TarEntrySink;
  readonly #wholeLimit: number;
  #state = State.Header;
  /** A header split across chunks. */
  readonly #head = Buffer.alloc(BLOCK);
  #headLen = 0;
  #header: TarHeader | undefined;
  /** Bytes still to collect, stream or skip in the current state. */
  #missing = 0;
  #parts: Buffer[] = [];
  #pax: PaxWithXattrs | null = null;
  #paxGlobal: PaxWithXattrs | null = null;
  #longPath: string | null = null;
  #longLinkPath: string | null = null;

  constructor(sink: TarEntrySink, options: { wholeLimit?: number } = {}) {
    installPaxXattrDecoder();
    headers ??= createRequire(import.meta.url)('tar-stream/headers.js') as TarStreamHeaders;
    this.#sink = sink;
    this.#wholeLimit = options.wholeLimit ?? 1 << 20;
  }

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.#state === State.Header) {
        off = this.#readHeader(chunk, off);
        continue;
      }
      const n = Math.min(this.#missing, chunk.length - off);
      const piece = chunk.subarray(off, off + n);
      off += n;
      this.#missing -= n;
      if (this.#state === State.Stream) this.#sink.data(piece);
      else if (this.#state !== State.Pad) this.#parts.push(piece);
      if (this.#missing === 0) this.#complete();
    }
  }

  /** Checks the stream ended on an entry boundary. */
  end(): void {
    if (this.#state !== State.Header || this.#headLen !== 0) throw new Error('Unexpected end of data');
  }

  #readHeader(chunk: Buffer, off: number): number {
    // A header whole in the chunk is decoded in place; one split across chunks is put together first.
    if (this.#headLen === 0 && chunk.length - off >= BLOCK) {
      this.#onHeader(chunk, off);
      return off + BLOCK;
    }
    const n = Math.min(BLOCK - this.#headLen, chunk.length - off);
    chunk.copy(this.#head, this.#headLen, off, off + n);
    this.#headLen += n;
    off += n;
    if (this.#headLen < BLOCK) return off;
    this.#headLen = 0;
    this.#onHeader(this.#head, 0);
    return off;
  }

  #onHeader(buf: Buffer, off: number): void {
    const fast = decodeHeader(buf, off);
    const h = fast === undefined ? slowDecode(buf, off) : fast;
    if (!h) return; // a zero block (end of archive)
    const size = h.size ?? 0;
    if (LONG_HEADERS.has(h.type ?? '')) {
      this.#expect(h, State.Long, size);
      return;
    }
    this.#applyLongHeaders(h);
    const dataSize = h.size ?? 0;
    if (!Number.isSafeInteger(dataSize) || dataSize < 0) {
      throw new Error(`Invalid tar header: size ${JSON.stringify(h.pax?.size ?? h.size)}`);
    }
    // As tar-stream: a directory's size is not data.
    if (dataSize === 0 || h.type === 'directory') {
      this.#sink.whole(h, []);
      return;
    }
    if (dataSize <= this.#wholeLimit) {
      this.#expect(h, State.Whole, dataSize);
      return;
    }
    this.#sink.begin(h);
    this.#expect(h, State.Stream, dataSize);
  }

  #expect(h: TarHeader, state: State, size: number): void {
    this.#header = h;
    this.#state = state;
    this.#missing = size;
    this.#parts = [];
    if (size === 0) this.#complete();
  }

  /** The current state's bytes are all there. */
  #complete(): void {
    const h = this.#header!;
    const state = this.#state;
    if (state === State.Pad) {
      this.#state = State.Header;
      return;
    }
    const parts = this.#parts;
    this.#parts = [];
    if (state === State.Long) this.#decodeLongHeader(h, parts);
    else if (state === State.Whole) this.#sink.whole(h, parts);
    else this.#sink.end();
    const pad = padding(h.size ?? 0);
    this.#state = pad === 0 ? State.Header : State.Pad;
    this.#missing = pad;
  }

  #decodeLongHeader(h: TarHeader, parts: Buffer[]): void {
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    switch (h.type) {
      case 'gnu-long-path':
        this.#longPath = headers!.decodeLongPath(buf, 'utf-8');
        break;
      case 'gnu-long-link-path':
        this.#longLinkPath = headers!.decodeLongPath(buf, 'utf-8');
        break;
      case 'pax-global-header':
        this.#paxGlobal = headers!.decodePax(buf);
        break;
      default:
        this.#pax =
          this.#paxGlobal === null
            ? headers!.decodePax(buf)
            : Object.assign({}, this.#paxGlobal, headers!.decodePax(buf));
    }
  }

  #applyLongHeaders(h: TarHeader): void {
    if (this.#longPath !== null) h.name = this.#longPath;
    if (this.#longLinkPath !== null) h.linkname = this.#longLinkPath;
    this.#longPath = this.#longLinkPath = null;
    const pax = this.#pax;
    if (pax) {
      if (pax.path) h.name = pax.path;
      if (pax.linkpath) h.linkname = pax.linkpath;
      if (pax.size) h.size = Number.parseInt(pax.size, 10);
      h.pax = pax;
      this.#pax = null;
    }
  }
}
