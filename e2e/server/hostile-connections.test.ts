import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server';

/**
 * The real server process over raw sockets: request lines Next.js cannot route, refused requests on keep-alive
 * connections, slow headers and bodies, upload slots per client, and the metrics endpoint.
 */

const ODE = '1.0.0';
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const BOUNDARY = 'raw-boundary';
const UPLOAD_LIMIT = 64 * 1024;

let server: RunningServer;
let port: number;
let admin: string;
let fieldA: string;
let fieldB: string;

async function login(username: string, password: string): Promise<string> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'x-ode-version': ODE, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return ((await response.json()) as { token: string }).token;
}

async function createUser(username: string): Promise<string> {
  await fetch(`${server.url}/api/users/create`, {
    method: 'POST',
    headers: { 'x-ode-version': ODE, 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({ username, password: `${username}-pw`, role: 'read-write' }),
  });
  return login(username, `${username}-pw`);
}

beforeAll(async () => {
  server = await startServer({
    env: {
      SYNKRONUS_HEADERS_TIMEOUT_SECONDS: '2',
      SYNKRONUS_BODY_TIMEOUT_SECONDS: '2',
      SYNKRONUS_MIN_BODY_BYTES_PER_SECOND: '512',
      SYNKRONUS_MAX_CONCURRENT_ATTACHMENT_UPLOADS: '4',
      SYNKRONUS_MAX_UPLOADS_PER_CLIENT: '2',
      SYNKRONUS_MAX_ATTACHMENT_UPLOAD_BYTES: String(UPLOAD_LIMIT),
      SYNKRONUS_METRICS: 'true',
      SYNKRONUS_METRICS_TOKEN: METRICS_TOKEN,
    },
  });
  port = Number(new URL(server.url).port);
  admin = await login('admin', 'admin');
  fieldA = await createUser('field-a');
  fieldB = await createUser('field-b');
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

interface Connection {
  socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the server closes the connection (true) or after `ms` (false). */
  closed(ms: number): Promise<boolean>;
  /** Resolves with the text once it contains `count` complete status lines, or undefined after `ms`. */
  responses(count: number, ms: number): Promise<string | undefined>;
}

async function connect(): Promise<Connection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  let ended = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const endedPromise = new Promise<void>((resolve) => socket.once('close', () => ((ended = true), resolve())));
  const waitFor = async (done: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline && !ended) await new Promise((resolve) => setTimeout(resolve, 25));
    return done();
  };
  return {
    socket,
    received: () => text,
    closed: (ms) =>
      Promise.race([
        endedPromise.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(ended), ms)),
      ]),
    responses: async (count, ms) =>
      (await waitFor(() => (text.match(/^HTTP\/1\.1 \d{3}/gm) ?? []).length >= count, ms)) ? text : undefined,
  };
}

const statusOf = (text: string | undefined) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text ?? '')?.[1]);

function requestHead(method: string, target: string, headers: Record<string, string | number> = {}): string {
  const lines = Object.entries({ host: `127.0.0.1:${port}`, 'x-ode-version': ODE, ...headers }).map(
    ([k, v]) => `${k}: ${v}`,
  );
  return `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

describe('request lines Next.js cannot route', () => {
  it('answers TRACE with 405 and Allow, and OPTIONS * with 204', async () => {
    const trace = await connect();
    trace.socket.write(requestHead('TRACE', '/api/sync/push', { authorization: `Bearer ${fieldA}` }));
    const traced = await trace.responses(1, 5000);
    expect(statusOf(traced)).toBe(405);
    expect(traced).toMatch(/^allow: OPTIONS, POST\r$/im);
    trace.socket.destroy();

    const star = await connect();
    star.socket.write('OPTIONS * HTTP/1.1\r\nhost: x\r\n\r\n');
    const starred = await star.responses(1, 5000);
    expect(statusOf(starred)).toBe(204);
    expect(starred).toMatch(/^allow: .*GET.*\r$/im);
    star.socket.destroy();
  });

  it('answers 400 for malformed percent-encoding in the path', async () => {
    for (const [method, target] of [
      ['GET', '/api/attachments/%ff'],
      ['GET', '/api/attachments/%'],
      ['PUT', '/api/attachments/%zz'],
      ['GET', '/%E0%A4%A'],
    ]) {
      const response = await fetch(`${server.url}${target}`, {
        method,
        headers: { 'x-ode-version': ODE, authorization: `Bearer ${fieldA}` },
      });
      expect(response.status, `${method} ${target}`).toBe(400);
      expect(await response.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
    }
  });
});

describe('refused requests on keep-alive connections', () => {
  it('answers a 200 KB part-header line with 400 and then closes the connection instead of hanging it', async () => {
    for (const target of ['/api/attachments/longheader.bin', '/api/app-bundle/push']) {
      const token = target.includes('bundle') ? admin : fieldA;
      const body = Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${'h'.repeat(200_000)}"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
      );
      const connection = await connect();
      connection.socket.write(
        requestHead(target.includes('bundle') ? 'POST' : 'PUT', target, {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': body.length,
          connection: 'keep-alive',
        }),
      );
      connection.socket.write(body);
      const answered = await connection.responses(1, 10_000);
      expect(statusOf(answered), target).toBe(400);
      // Either the server closed the connection, or it still answers the next request on it: never silence.
      const closed = await connection.closed(3000);
      if (!closed) {
        connection.socket.write(requestHead('GET', '/health'));
        expect(statusOf((await connection.responses(2, 5000))?.split(/(?=HTTP\/1\.1 )/)[1])).toBe(200);
      }
      connection.socket.destroy();
    }
  });
});

describe('slow clients', () => {
  it('closes a connection whose headers trickle in past the headers timeout', async () => {
    const connection = await connect();
    const started = Date.now();
    const trickle = setInterval(() => connection.socket.write('x-slow: 1\r\n'.slice(0, 3)), 200);
    connection.socket.write('GET /health HTTP/1.1\r\nhost: x\r\n');
    const closed = await connection.closed(8000);
    clearInterval(trickle);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('cuts uploads trickling at 100 B/s, and one client holding its share does not stop another client uploading', async () => {
    const part = (name: string) =>
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n\r\n`;
    const tricklers: Connection[] = [];
    for (let i = 0; i < 4; i++) {
      const connection = await connect();
      const head = part(`slow-${i}.bin`);
      connection.socket.write(
        requestHead('PUT', `/api/attachments/slow-${i}.bin`, {
          authorization: `Bearer ${fieldA}`,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': head.length + 100_000,
        }) + head,
      );
      tricklers.push(connection);
    }
    const timers = tricklers.map((connection) => setInterval(() => connection.socket.write('y'.repeat(10)), 100));
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('from another client')]), 'fast.bin');
      const fast = await fetch(`${server.url}/api/attachments/fast.bin`, {
        method: 'PUT',
        headers: { 'x-ode-version': ODE, authorization: `Bearer ${fieldB}` },
        body: form,
      });
      expect(fast.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(3000);
      // The tricklers send 100 B/s, under the 512 B/s minimum: each is cut within a few windows of 2 s.
      const cut = await Promise.all(tricklers.map((connection) => connection.closed(10_000)));
      expect(cut).toEqual([true, true, true, true]);
    } finally {
      timers.forEach(clearInterval);
      tricklers.forEach((connection) => connection.socket.destroy());
    }
    const stored = await fetch(`${server.url}/api/attachments/fast.bin`, {
      headers: { 'x-ode-version': ODE, authorization: `Bearer ${fieldB}` },
    });
    expect(await stored.text()).toBe('from another client');
    const slow = await fetch(`${server.url}/api/attachments/slow-0.bin`, {
      method: 'HEAD',
      headers: { 'x-ode-version': ODE, authorization: `Bearer ${fieldA}` },
    });
    expect(slow.status).toBe(404);
  });
});

describe('an upload over the size limit', () => {
  async function upload(token: string, id: string, bytes: number): Promise<Response> {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(bytes, 7)]), id);
    return fetch(`${server.url}/api/attachments/${id}`, {
      method: 'PUT',
      headers: { 'x-ode-version': ODE, authorization: `Bearer ${token}` },
      body: form,
      signal: AbortSignal.timeout(15_000),
    });
  }

  it('is answered 413 at once, whether the file is just over or far over, and keeps none of the upload slots', async () => {
    const token = await createUser('field-over');
    // More refused uploads than the client's share of slots (2): a refusal that kept its slot would block the next.
    for (const [i, bytes] of [UPLOAD_LIMIT + 1, UPLOAD_LIMIT + 1, 4 * UPLOAD_LIMIT].entries()) {
      const refused = await upload(token, `over-${i}.bin`, bytes);
      expect(refused.status).toBe(413);
      expect(await refused.json()).toEqual({
        error: 'An error occurred',
        message: 'Attachment exceeds upload size limit',
      });
    }
    const accepted = await upload(token, 'within.bin', UPLOAD_LIMIT);
    expect(accepted.status).toBe(200);
    const refusedOne = await fetch(`${server.url}/api/attachments/over-0.bin`, {
      method: 'HEAD',
      headers: { 'x-ode-version': ODE, authorization: `Bearer ${token}` },
    });
    expect(refusedOne.status).toBe(404);
  });
});

describe('GET /metrics', () => {
  it('needs the metrics token or an admin token, and reports requests, sync, uploads, pool and memory', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${fieldA}` } })).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const pushed = await fetch(`${server.url}/api/sync/push`, {
      method: 'POST',
      headers: { 'x-ode-version': ODE, 'content-type': 'application/json', authorization: `Bearer ${fieldA}` },
      body: JSON.stringify({
        transmission_id: 'metrics-1',
        client_id: 'metrics',
        records: [{ observation_id: 'm1', form_type: 'f', data: {} }],
      }),
    });
    expect(pushed.status).toBe(200);
    const byToken = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await byToken.text();
    expect(text).toMatch(/synkronus_http_requests_total\{method="POST",route="\/api\/sync\/push",status="200"\} 1/);
    expect(text).toMatch(
      /synkronus_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/api\/sync\/push"\}/,
    );
    expect(text).toMatch(/synkronus_sync_records_total\{direction="push"\} 1/);
    expect(text).toMatch(/synkronus_upload_bytes_total\{route="\/api\/attachments\/\{attachment_id\}"\} \d+/);
    expect(text).toMatch(/synkronus_db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    const byAdmin = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    expect(byAdmin.status).toBe(200);
  });
});
