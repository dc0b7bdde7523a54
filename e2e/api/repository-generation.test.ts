import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { resetConfig } from '@/server/config';

/**
 * Formulus reads x-repository-generation from every answer of these endpoints, failures included (its header
 * getter throws when the header is missing, which would hide the 401 or 403 behind it).
 */
let app: TestApp;
let writer: string;
let reader: string;
let admin: string;
beforeAll(async () => {
  app = await createTestApp({ SYNKRONUS_MAX_JSON_BODY_BYTES: '4096' });
  writer = await app.userToken('read-write');
  reader = await app.userToken('read-only');
  admin = await app.adminToken();
});
afterAll(() => app.close());

const upload = () => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array([1, 2, 3])], { type: 'application/octet-stream' }), 'a.bin');
  return form;
};

const endpoints = [
  { name: 'pull', method: 'POST', path: '/api/sync/pull', body: () => ({ client_id: 'd1' }) },
  {
    name: 'push',
    method: 'POST',
    path: '/api/sync/push',
    body: () => ({ transmission_id: 't1', client_id: 'd1', records: [] }),
  },
  {
    name: 'attachment manifest',
    method: 'POST',
    path: '/api/attachments/manifest',
    body: () => ({ client_id: 'd1', since_version: 0 }),
  },
  { name: 'attachment upload', method: 'PUT', path: '/api/attachments/gen-a.bin', body: upload },
] as const;

describe('x-repository-generation on every answer of the sync endpoints', () => {
  it.each(endpoints)(
    '$name: 401 without a token, 401 with a bad token, 426 without x-ode-version',
    async ({ method, path, body }) => {
      for (const options of [{}, { token: 'not-a-jwt' }, { token: writer, noVersion: true }]) {
        const response = await app.request(method, path, { body: body(), ...options });
        expect([401, 426]).toContain(response.status);
        expect(response.headers.get('x-repository-generation')).toBe('1');
      }
    },
  );

  it('403 for a read-only user on push and upload', async () => {
    for (const { method, path, body } of endpoints.filter((e) => e.name === 'push' || e.name === 'attachment upload')) {
      const response = await app.request(method, path, { token: reader, body: body() });
      expect(response.status).toBe(403);
      expect(await response.text()).toBe('Forbidden\n');
      expect(response.headers.get('x-repository-generation')).toBe('1');
    }
  });

  it('400 for a malformed body, 413 for an oversized one, 400 for a bad upload', async () => {
    const malformed = await app.request('POST', '/api/sync/pull', { token: reader, body: '{"client_id": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-repository-generation')).toBe('1');
    const tooLarge = await app.request('POST', '/api/sync/push', {
      token: writer,
      body: { transmission_id: 't', client_id: 'd', records: [{ data: 'x'.repeat(5000) }] },
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-repository-generation')).toBe('1');
    const notMultipart = await app.request('PUT', '/api/attachments/gen-b.bin', { token: writer, body: 'plain' });
    expect(notMultipart.status).toBe(400);
    expect(notMultipart.headers.get('x-repository-generation')).toBe('1');
  });

  it('carries the new generation after a reset, on 409 and on 401 alike', async () => {
    const reset = await app.json('POST', '/api/admin/repository/reset', {
      token: admin,
      body: { confirm: 'RESET_REPOSITORY' },
    });
    expect(reset.body.repository_generation).toBe(2);
    const stale = await app.json('POST', '/api/sync/push', {
      token: writer,
      headers: { 'x-repository-generation': '1' },
      body: endpoints[1].body(),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('repository_reset_required');
    expect(stale.headers.get('x-repository-generation')).toBe('2');
    const unauthorized = await app.request('POST', '/api/sync/pull', { body: endpoints[0].body() });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-repository-generation')).toBe('2');
    const uploaded = await app.json('PUT', '/api/attachments/gen-c.bin', { token: writer, body: upload() });
    expect(uploaded.status).toBe(200);
    expect(uploaded.headers.get('x-repository-generation')).toBe('2');
  });

  it('is not added to other endpoints', async () => {
    const versions = await app.request('GET', '/api/versions', { token: reader });
    expect(versions.status).toBe(200);
    expect(versions.headers.has('x-repository-generation')).toBe(false);
    const download = await app.request('GET', '/api/attachments/gen-c.bin', { token: reader });
    expect(download.headers.has('x-repository-generation')).toBe(false);
  });

  it('keeps the 401 when the database cannot be read, with the last generation seen', async () => {
    const databaseUrl = process.env.DATABASE_URL!;
    process.env.DATABASE_URL = 'postgres://nobody:nothing@127.0.0.1:1/none';
    resetConfig();
    try {
      const response = await app.request('POST', '/api/sync/pull', { body: endpoints[0].body() });
      expect(response.status).toBe(401);
      expect(await response.text()).toBe('Unauthorized\n');
      expect(response.headers.get('x-repository-generation')).toBe('2');
    } finally {
      process.env.DATABASE_URL = databaseUrl;
      resetConfig();
    }
  });
});
