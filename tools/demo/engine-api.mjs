// The few Docker Engine API calls the demo makes when the `berth` CLI cannot make them yet: plain
// HTTP on the Unix socket, no client library.
import { request } from 'node:http';

/** One API call; resolves with the status and the body (parsed when it is JSON). */
export function api(socket, method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        socketPath: socket,
        method,
        path,
        headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const json = /json/.test(res.headers['content-type'] ?? '') && raw.length > 0;
          resolve({ status: res.statusCode, body: json ? JSON.parse(raw.toString('utf8')) : raw });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function ok(call, what) {
  const res = await call;
  if (res.status >= 400) throw new Error(`${what}: ${res.status} ${res.body?.message ?? res.body}`);
  return res.body;
}

/**
 * Splits a non-tty log stream: frames of an 8-byte header (stream 1 = stdout, 2 = stderr, then
 * a big-endian length) followed by that many bytes.
 */
export function demux(buffer) {
  const out = { stdout: '', stderr: '' };
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    const text = buffer.subarray(at + 8, at + 8 + size).toString('utf8');
    if (buffer[at] === 2) out.stderr += text;
    else out.stdout += text;
    at += 8 + size;
  }
  return out;
}

/** `docker run --rm IMAGE CMD…` spelled out: create, start, wait, logs, remove. */
export async function runViaApi(socket, image, cmd = []) {
  const { Id: id } = await ok(
    api(socket, 'POST', '/containers/create', { Image: image, ...(cmd.length ? { Cmd: cmd } : {}) }),
    `create ${image}`,
  );
  try {
    await ok(api(socket, 'POST', `/containers/${id}/start`), 'start');
    const { StatusCode } = await ok(api(socket, 'POST', `/containers/${id}/wait`), 'wait');
    const logs = await ok(api(socket, 'GET', `/containers/${id}/logs?stdout=1&stderr=1`), 'logs');
    return { exitCode: StatusCode, ...demux(logs) };
  } finally {
    await api(socket, 'DELETE', `/containers/${id}?force=1`).catch(() => undefined);
  }
}
