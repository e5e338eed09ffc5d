/** The monitor's attach-socket protocol (csrc/monitor/frames.h): [type u8][length u32 BE][payload]. */
export const Frame = {
  // client → monitor
  Stdin: 0,
  StdinClose: 1,
  Resize: 2,
  Start: 3,
  // monitor → client
  Stdout: 1,
  Stderr: 2,
  Exit: 3,
  Started: 4,
  Error: 5,
} as const;

export function encodeFrame(type: number, payload: Uint8Array = new Uint8Array()): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** Splits a byte stream into frames; keeps partial frames between calls. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: number; payload: Buffer }> {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Array<{ type: number; payload: Buffer }> = [];
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt32BE(1);
      if (this.buffer.length < 5 + length) break;
      frames.push({ type: this.buffer[0]!, payload: this.buffer.subarray(5, 5 + length) });
      this.buffer = this.buffer.subarray(5 + length);
    }
    return frames;
  }
}
