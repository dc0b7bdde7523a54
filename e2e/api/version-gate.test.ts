import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { parseMajor } from '@/server/http/version-gate';

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await createTestApp();
  token = await app.adminToken();
});
afterAll(() => app.close());

describe('x-ode-version gate', () => {
  it('answers 426 JSON with the server version in body and header when the header is missing', async () => {
    const { status, body, headers } = await app.json('GET', '/api/version', { token, noVersion: true });
    expect(status).toBe(426);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body.synkronus_version).toBe('1.0.0');
    expect(headers.get('x-synkronus-version')).toBe(body.synkronus_version);
    expect(body.message).toMatch(/^missing x-ode-version header/);
  });

  it('answers 426 for a value that is not a version', async () => {
    const { status, body } = await app.json('GET', '/api/version', {
      token,
      headers: { 'x-ode-version': 'not-a-version' },
    });
    expect(status).toBe(426);
    expect(body.message).toMatch(/valid semantic version/);
  });

  it('answers 426 for another major version', async () => {
    const { status, body } = await app.json('GET', '/api/version', { token, headers: { 'x-ode-version': '2.0.0' } });
    expect(status).toBe(426);
    expect(body.message).toMatch(/^client v2\.0\.0 is not compatible with this server \(v1\.0\.0\)/);
  });

  it('passes the same major through untouched', async () => {
    for (const version of ['1.0.0', '1.3.1', '1.1.1', 'v1.2.0-beta']) {
      const { status } = await app.json('GET', '/api/version', { token, headers: { 'x-ode-version': version } });
      expect(status, version).toBe(200);
    }
  });

  it('does not accept x-formulus-version instead', async () => {
    const { status } = await app.json('GET', '/api/version', {
      token,
      noVersion: true,
      headers: { 'x-formulus-version': '1.0.0' },
    });
    expect(status).toBe(426);
  });

  it('wins over a missing token (426, not 401), including on login', async () => {
    expect((await app.json('GET', '/api/users', { noVersion: true })).status).toBe(426);
    expect(
      (await app.json('POST', '/api/auth/login', { noVersion: true, body: { username: 'admin', password: 'admin' } }))
        .status,
    ).toBe(426);
  });

  it('parses the major version like upstream', () => {
    const accepted: Array<[string, number]> = [
      ['1.0.0', 1],
      ['v1.0.0', 1],
      ['V2.0.0', 2],
      ['v1.0.0-alpha.20-23-g8b4fcad-dirty', 1],
      ['0.0.1', 0],
      ['2.5.10', 2],
      ['1', 1],
      [' 1.2.3 ', 1],
      ['1.2.3-beta', 1],
    ];
    for (const [value, major] of accepted) expect(parseMajor(value), value).toBe(major);
    for (const value of ['', 'abc']) expect(parseMajor(value), value).toBeUndefined();
  });
});
