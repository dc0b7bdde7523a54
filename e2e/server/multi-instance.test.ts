import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ODE_VERSION } from '../support/app';
import { bundleForm, bundleZip, fileForm } from '../support/bundles';
import { createDatabase, dropDatabase } from '../support/postgres';
import { startTestS3, type TestS3 } from '../support/s3';
import { startServer, type RunningServer } from '../support/server';
import { LOCK_NAMESPACE } from '@/server/db/locks';
import { S3FileStore } from '@/server/storage/s3-file-store';

/**
 * Two real server processes on one PostgreSQL database and one S3 bucket, behind a round-robin proxy written
 * here: every request the proxy forwards goes to the other instance than the one before.
 */

const PREFIX = 'multi';
/** Advisory locks of the server's namespace ("SYNK") held right now. */
const PUBLISHING = `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = ${LOCK_NAMESPACE} AND granted`;
let s3: TestS3;
let databaseUrl: string;
let a: RunningServer;
let b: RunningServer;
let proxy: http.Server;
let proxyUrl: string;
let admin: string;

/** Round robin over the instances; bodies are streamed through both ways. */
function startProxy(targets: string[]): Promise<http.Server> {
  let next = 0;
  const server = http.createServer((req, res) => {
    const target = new URL(targets[next++ % targets.length]);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers = new Headers({ 'x-ode-version': ODE_VERSION, ...options.headers });
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set('content-type', 'application/json');
  }
  return fetch(`${base}${path}`, { method, headers, body });
}

async function json(base: string, method: string, path: string, options: Parameters<typeof call>[3] = {}) {
  const response = await call(base, method, path, options);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function login(base: string, username: string, password: string) {
  return json(base, 'POST', '/api/auth/login', { body: { username, password } });
}

beforeAll(async () => {
  s3 = await startTestS3();
  // For the checks this test makes in the bucket itself.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  databaseUrl = await createDatabase();
  const env = { ...s3.env(PREFIX), DATABASE_URL: databaseUrl, SYNKRONUS_AUTH_LOGIN_ATTEMPTS: '4', LOG_LEVEL: 'warn' };
  [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
  proxy = await startProxy([a.url, b.url]);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  admin = (await login(a.url, 'admin', 'admin')).body.token;
}, 180_000);

afterAll(async () => {
  proxy?.close();
  for (const server of [a, b]) await server?.stop().catch(() => undefined);
  if (databaseUrl) await dropDatabase(databaseUrl);
  await s3?.stop();
});

describe('two instances, one database, one bucket', () => {
  it('a push to A is pulled from B, and a token of one instance is good on the other', async () => {
    const id = crypto.randomUUID();
    const record = {
      observation_id: id,
      form_type: 'survey',
      form_version: '1',
      data: { n: 1 },
      created_at: '2025-01-01T10:00:00Z',
      updated_at: '2025-01-01T10:00:00Z',
      synced_at: null,
      deleted: false,
      geolocation: null,
    };
    const pushed = await json(a.url, 'POST', '/api/sync/push', {
      token: admin,
      body: { transmission_id: crypto.randomUUID(), client_id: 'tablet-a', records: [record] },
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    const pulled = await json(b.url, 'POST', '/api/sync/pull', {
      token: admin,
      body: { client_id: 'tablet-b', since: { version: 0 } },
    });
    expect(pulled.status).toBe(200);
    expect(pulled.body.records.map((r: { observation_id: string }) => r.observation_id)).toContain(id);
  });

  it("an upload through A is served by B, listed in B's attachment manifest, and a second upload of the id is 409 on B", async () => {
    const content = crypto.randomBytes(3 * 1024 * 1024);
    expect(
      (await call(a.url, 'PUT', '/api/attachments/shared.bin', { token: admin, body: fileForm(content) })).status,
    ).toBe(200);
    const served = await call(b.url, 'GET', '/api/attachments/shared.bin', { token: admin });
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(content)).toBe(true);
    const manifest = await json(b.url, 'POST', '/api/attachments/manifest', {
      token: admin,
      body: { client_id: 'tablet-b', since_version: 0 },
    });
    expect(manifest.body.operations.map((op: { attachment_id: string }) => op.attachment_id)).toContain('shared.bin');
    expect(
      (await call(b.url, 'PUT', '/api/attachments/shared.bin', { token: admin, body: fileForm('other') })).status,
    ).toBe(409);
  });

  it("a switch on A is seen by B's manifest at once, with the same ETag on both", async () => {
    const one = await json(a.url, 'POST', '/api/app-bundle/push', {
      token: admin,
      body: bundleForm(await bundleZip({ 'app/index.html': 'one' })),
    });
    const two = await json(b.url, 'POST', '/api/app-bundle/push', {
      token: admin,
      body: bundleForm(await bundleZip({ 'app/index.html': 'two' })),
    });
    expect([one.body.manifest.version, two.body.manifest.version]).toEqual(['0001', '0002']);
    expect((await json(a.url, 'POST', '/api/app-bundle/switch/0001', { token: admin })).status).toBe(200);
    const before = await json(b.url, 'GET', '/api/app-bundle/manifest', { token: admin });
    expect(before.body.version).toBe('0001');
    expect((await json(a.url, 'POST', '/api/app-bundle/switch/0002', { token: admin })).status).toBe(200);
    const after = await json(b.url, 'GET', '/api/app-bundle/manifest', { token: admin });
    expect(after.body.version).toBe('0002');
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect((await json(a.url, 'GET', '/api/app-bundle/manifest', { token: admin })).headers.get('etag')).toBe(
      after.headers.get('etag'),
    );
    expect(await (await call(b.url, 'GET', '/api/app-bundle/download/app/index.html', { token: admin })).text()).toBe(
      'two',
    );
  });

  it('pushes racing on both instances get distinct version numbers', async () => {
    const zips = await Promise.all([1, 2, 3, 4].map((n) => bundleZip({ 'app/index.html': `race ${n}` })));
    const pushes = await Promise.all(
      zips.map((zip, i) =>
        json(i % 2 ? b.url : a.url, 'POST', '/api/app-bundle/push', { token: admin, body: bundleForm(zip) }),
      ),
    );
    const versions = pushes.map((p) => p.body.manifest.version).sort();
    expect(versions).toEqual(['0003', '0004', '0005', '0006']);
  });

  it('runs the API through the round-robin proxy: login, sync, attachments, bundles, and one shared login limit', async () => {
    const token = (await login(proxyUrl, 'admin', 'admin')).body.token;
    for (let i = 0; i < 4; i++) {
      const content = `via proxy ${i}`;
      expect(
        (await call(proxyUrl, 'PUT', `/api/attachments/proxy-${i}.txt`, { token, body: fileForm(content) })).status,
      ).toBe(200);
      expect(await (await call(proxyUrl, 'GET', `/api/attachments/proxy-${i}.txt`, { token })).text()).toBe(content);
      expect((await json(proxyUrl, 'GET', '/api/app-bundle/manifest', { token })).body.version).toBe('0002');
    }
    const versions = await Promise.all([1, 2].map(() => json(proxyUrl, 'GET', '/api/app-bundle/versions', { token })));
    expect(versions[0].body).toEqual(versions[1].body);
    // Four failed logins allowed per (IP, user), counted across both instances; the fifth attempt is refused.
    const attempts = [];
    for (let i = 0; i < 5; i++) attempts.push((await login(proxyUrl, 'admin', 'wrong')).status);
    expect(attempts).toEqual([401, 401, 401, 401, 429]);
    expect((await login(a.url, 'admin', 'admin')).status).toBe(429);
    expect((await login(b.url, 'admin', 'admin')).status).toBe(429);
  });

  it('an instance killed mid-upload (publishing into the bucket) leaves nothing visible; the other keeps serving and takes the id', async () => {
    const size = 48 * 1024 * 1024;
    const request = http.request(`${a.url}/api/attachments/killed.bin`, {
      method: 'PUT',
      headers: {
        'x-ode-version': ODE_VERSION,
        authorization: `Bearer ${admin}`,
        'content-type': 'multipart/form-data; boundary=cut',
      },
    });
    request.on('error', () => undefined);
    request.write(
      '--cut\r\nContent-Disposition: form-data; name="file"; filename="killed.bin"\r\nContent-Type: application/octet-stream\r\n\r\n',
    );
    for (let sent = 0; sent < size; sent += 1024 * 1024) request.write(crypto.randomBytes(1024 * 1024));
    request.end('\r\n--cut--\r\n');
    // A holds the attachment's lock from its existence check until the operation is recorded: kill it then.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const deadline = Date.now() + 30_000;
      while (Number((await db.query(PUBLISHING)).rows[0].n) === 0) {
        if (Date.now() > deadline) throw new Error('instance A never started publishing the upload');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await a.kill();
      // PostgreSQL ends the dead instance's session (and its lock) once it reads the closed socket: soon, not at once.
      await expect
        .poll(async () => Number((await db.query(PUBLISHING)).rows[0].n), { timeout: 10_000, interval: 50 })
        .toBe(0);
    } finally {
      await db.end();
      request.destroy();
    }

    expect((await call(b.url, 'GET', '/api/attachments/killed.bin', { token: admin })).status).toBe(404);
    expect((await call(b.url, 'HEAD', '/api/attachments/killed.bin', { token: admin })).status).toBe(404);
    const bucket = new S3FileStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      prefix: `${PREFIX}/`,
    });
    expect(await bucket.stat('attachments/killed.bin')).toBeUndefined();
    expect(
      (
        await json(b.url, 'POST', '/api/attachments/manifest', {
          token: admin,
          body: { client_id: 'x', since_version: 0 },
        })
      ).body.operations.map((op: { attachment_id: string }) => op.attachment_id),
    ).not.toContain('killed.bin');
    expect((await call(b.url, 'GET', '/api/attachments/shared.bin', { token: admin })).status).toBe(200);
    expect((await call(b.url, 'GET', '/api/app-bundle/download/app/index.html', { token: admin })).status).toBe(200);
    expect(
      (await call(b.url, 'PUT', '/api/attachments/killed.bin', { token: admin, body: fileForm('complete') })).status,
    ).toBe(200);
    expect(await (await call(b.url, 'GET', '/api/attachments/killed.bin', { token: admin })).text()).toBe('complete');
  });
});

describe('start-up with S3 storage', () => {
  it('refuses to start, naming the bucket, when the bucket does not exist', async () => {
    const env = { ...s3.env(PREFIX), SYNKRONUS_S3_BUCKET: 'no-such-bucket', DATABASE_URL: databaseUrl };
    await expect(startServer({ env, timeoutMs: 30_000 })).rejects.toThrow(
      /storage unavailable: S3 bucket .*no-such-bucket.*: does not exist/,
    );
  });
});
