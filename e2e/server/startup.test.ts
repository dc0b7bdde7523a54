import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server';
import { createDatabase, dropDatabase } from '../support/postgres';

/** The real server process, started as `npm start` starts it after the build. */

const running: RunningServer[] = [];
const databases: string[] = [];
afterAll(async () => {
  for (const server of running) await server.stop().catch(() => undefined);
  for (const url of databases) await dropDatabase(url);
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const server = await startServer(options);
  running.push(server);
  return server;
}

const VERSION = { 'x-ode-version': '1.3.1' };

describe('npm start on an empty data directory', () => {
  let server: RunningServer;

  it('starts the embedded PostgreSQL, migrates and serves /health', async () => {
    server = await start();
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect((await response.json()).status).toBe('ok');
    expect(fs.existsSync(path.join(server.dataDir, 'postgres', 'cluster', 'PG_VERSION'))).toBe(true);
  });

  it('lets the bootstrap admin log in over REST', async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { ...VERSION, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin' }),
    });
    expect(response.status).toBe(200);
    expect(typeof (await response.json()).token).toBe('string');
  });

  it('redirects a trailing or doubled slash keeping the method and the query, and serves the API docs', async () => {
    const redirect = await fetch(`${server.url}/api/versions/`, { headers: VERSION, redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/api/versions');
    const doubled = await fetch(`${server.url}/api//sync//pull?limit=5`, {
      method: 'POST',
      headers: VERSION,
      redirect: 'manual',
    });
    expect(doubled.status).toBe(308);
    expect(doubled.headers.get('location')).toBe('/api/sync/pull?limit=5');
    const document = await fetch(`${server.url}/openapi/synkronus.json`);
    expect((await document.json()).paths['/api/auth/login'].post.operationId).toBe('login');
    expect((await fetch(`${server.url}/openapi/swagger`)).status).toBe(200);
  });

  it('answers the REST API itself: JSON in one piece with its length, CORS varying once, nothing of Next.js', async () => {
    const versions = await fetch(`${server.url}/api/versions`, {
      headers: { ...VERSION, origin: 'http://portal.test' },
    });
    const text = await versions.text();
    expect(versions.status).toBe(401);
    expect(versions.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(versions.headers.get('vary')).toBe('Origin');
    const preflight = await fetch(`${server.url}/api/sync/push`, {
      method: 'OPTIONS',
      headers: { origin: 'http://portal.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('vary')).toBe('Origin');
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://portal.test');
  });

  it('sends Content-Length on streamed downloads', async () => {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { ...VERSION, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin' }),
    });
    const auth = { ...VERSION, authorization: `Bearer ${(await login.json()).token}` };
    const form = new FormData();
    form.append('file', new Blob(['hello, synkronus'], { type: 'text/plain' }), 'note.txt');
    expect(
      (await fetch(`${server.url}/api/attachments/note.txt`, { method: 'PUT', headers: auth, body: form })).status,
    ).toBe(200);
    const download = await fetch(`${server.url}/api/attachments/note.txt`, { headers: auth });
    expect(download.headers.get('content-length')).toBe('16');
    expect(await download.text()).toBe('hello, synkronus');
    const head = await fetch(`${server.url}/api/attachments/note.txt`, { method: 'HEAD', headers: auth });
    expect(head.headers.get('content-length')).toBe('16');
    expect(head.headers.get('x-synkronus-content-length')).toBeNull();
  });

  it('ignores a client-sent peer address header (the limiter keys on the socket)', async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { ...VERSION, 'content-type': 'application/json', 'x-synkronus-peer-address': '10.0.0.1' },
      body: JSON.stringify({ username: 'admin', password: 'admin' }),
    });
    expect(response.status).toBe(200);
  });

  it('stops cleanly on SIGTERM, embedded PostgreSQL included, and starts again on the same data', async () => {
    expect(await server.stop()).toBe(0);
    expect(fs.existsSync(path.join(server.dataDir, 'postgres', 'cluster', 'postmaster.pid'))).toBe(false);
    // The database stops after the server has closed its connections: none is cut under it.
    const shutdown = server.output().slice(server.output().indexOf('shutting down'));
    expect(shutdown).toContain('"msg":"stopped"');
    expect(shutdown).not.toMatch(/"level":"(warn|error)"/);
    const again = await start({ dataDir: server.dataDir });
    expect(again.output()).not.toContain('applied migration');
    expect(again.output()).not.toContain('created bootstrap admin');
    server = again;
  });

  it('starts again after a crash (SIGKILL) that left the embedded PostgreSQL running', async () => {
    await server.kill();
    const revived = await start({ dataDir: server.dataDir });
    expect(revived.output()).toContain('stopping a PostgreSQL left running by a crashed server');
    expect((await fetch(`${revived.url}/health`)).status).toBe(200);
  });
});

describe('two servers on one empty external database', () => {
  it('both come up, migrate once and create one admin', async () => {
    const url = await createDatabase({ fromTemplate: false });
    databases.push(url);
    const [a, b] = await Promise.all([start({ env: { DB_CONNECTION: url } }), start({ env: { DB_CONNECTION: url } })]);
    for (const server of [a, b]) expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const users = await client.query('SELECT username, role FROM users');
    const migrations = await client.query(
      'SELECT migration_name, count(*) FROM _prisma_migrations GROUP BY 1 HAVING count(*) > 1',
    );
    await client.end();
    expect(users.rows).toEqual([{ username: 'admin', role: 'admin' }]);
    expect(migrations.rows).toEqual([]);
  });
});

describe('configuration errors', () => {
  it('exits with a clear message when only one recovery variable is set', async () => {
    await expect(start({ env: { SYNKRONUS_RECOVERY_CREATE_USER: 'root' }, timeoutMs: 20_000 })).rejects.toThrow(
      /must be set together/,
    );
  });
});
