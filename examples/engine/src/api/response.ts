import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

/** Starts a streamed answer of JSON messages, one per line (pull progress, events, stats). */
export function startJsonStream(res: ServerResponse, status = 200): (message: unknown) => void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  return (message) => {
    if (!res.writableEnded) res.write(`${JSON.stringify(message)}\n`);
  };
}
