import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const secret = new TextEncoder().encode(TEST_JWT_SECRET);

async function expiredToken(): Promise<string> {
  const past = Math.floor(Date.now() / 1000) - 3600;
  return new SignJWT({ username: 'admin', role: 'admin', token_use: 'access' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('synkronus')
    .setIssuedAt(past - 60)
    .setExpirationTime(past)
    .sign(secret);
}

describe('access control', () => {
  it('answers 401 text/plain "Unauthorized\\n" without a token, with a bad prefix, a garbage or an expired token', async () => {
    const admin = await app.adminToken();
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: `bearer ${admin}` },
      { authorization: 'Bearer garbage.token.here' },
      { authorization: `Bearer ${await expiredToken()}` },
    ];
    for (const headers of cases) {
      const response = await app.request('GET', '/api/users', { headers });
      expect(response.status, JSON.stringify(headers).slice(0, 40)).toBe(401);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe('Unauthorized\n');
    }
  });

  it('refuses a refresh token used as an access token', async () => {
    const login = await app.json('POST', '/api/auth/login', { body: { username: 'admin', password: 'admin' } });
    expect((await app.request('GET', '/api/users', { token: login.body.refreshToken })).status).toBe(401);
  });

  it('answers 403 text/plain "Forbidden\\n" to non-admins on admin routes, and lets them use their own', async () => {
    for (const role of ['read-only', 'read-write'] as const) {
      const token = await app.userToken(role);
      const response = await app.request('GET', '/api/users', { token });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe('Forbidden\n');
      expect(
        (
          await app.request('POST', '/api/users/create', {
            token,
            body: { username: 'x', password: 'y', role: 'admin' },
          })
        ).status,
      ).toBe(403);
      expect((await app.request('GET', '/api/version', { token })).status).toBe(200);
    }
  });

  it('answers 404 JSON for unknown /api paths', async () => {
    const { status, body, headers } = await app.json('GET', '/api/no/such/thing', { token: await app.adminToken() });
    expect(status).toBe(404);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body).toEqual({ error: 'not found', message: 'Not found' });
  });

  it('answers a CORS preflight for any origin with the contract headers', async () => {
    const response = await app.request('OPTIONS', '/api/sync/pull', {
      noVersion: true,
      headers: { origin: 'https://portal.example', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://portal.example');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = response.headers.get('access-control-allow-headers')!;
    for (const header of [
      'authorization',
      'content-type',
      'x-ode-version',
      'x-ode-client-id',
      'x-repository-generation',
      'if-none-match',
    ]) {
      expect(allowed).toContain(header);
    }
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE, OPTIONS');
    expect(response.headers.get('access-control-max-age')).toBe('300');
  });

  it('exposes etag, x-repository-generation and retry-after on cross-origin responses', async () => {
    const response = await app.request('GET', '/api/version', {
      token: await app.adminToken(),
      headers: { origin: 'https://x.example' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://x.example');
    const exposed = response.headers.get('access-control-expose-headers')!;
    for (const header of ['etag', 'x-repository-generation', 'retry-after', 'link']) expect(exposed).toContain(header);
  });
});

describe('GET /api/version and /api/versions', () => {
  it('reports every key, with the database version from SELECT version()', async () => {
    const { status, body } = await app.json('GET', '/api/version', { token: await app.userToken('read-only') });
    expect(status).toBe(200);
    expect(body.server.version).toBe('1.0.0');
    expect(body.database.type).toBe('postgresql');
    expect(body.database.version).toMatch(/^PostgreSQL \d+/);
    expect(typeof body.database.database_name).toBe('string');
    expect(Object.keys(body.system).sort()).toEqual(['architecture', 'cpus', 'os']);
    expect(Object.keys(body.build).sort()).toEqual(['build_time', 'commit', 'go_version']);
  });

  it('returns the static version list', async () => {
    const { body } = await app.json('GET', '/api/versions', { token: await app.adminToken() });
    expect(body).toEqual({
      versions: [{ version: '1.0.0', releaseDate: '2025-01-01', deprecated: false }],
      current: '1.0.0',
    });
  });
});
