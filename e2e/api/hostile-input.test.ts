import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';

/** The rows of issue 16's table, through the real gate: each answers 4xx in the contract's shape, never 500. */

let app: TestApp;
let admin: string;
let writer: string;
beforeAll(async () => {
  app = await createTestApp();
  admin = await app.adminToken();
  writer = await app.userToken('read-write');
});
afterAll(() => app.close());

const BOUNDARY = 'hostile-boundary';

let sequence = 0;
function push(records: unknown[], overrides: Record<string, unknown> = {}) {
  return app.json('POST', '/api/sync/push', {
    token: writer,
    body: { transmission_id: `hostile-${++sequence}`, client_id: 'hostile-device', records, ...overrides },
  });
}

const record = (id: string, data: unknown) => ({
  observation_id: id,
  form_type: 'hostile',
  form_version: '1',
  data,
  created_at: '2025-01-01T00:00:00Z',
});

async function pullAll(): Promise<Array<{ observation_id: string; data: unknown; geolocation?: unknown }>> {
  const pulled = await app.json('POST', '/api/sync/pull?limit=1000', {
    token: writer,
    body: { client_id: 'hostile-reader' },
  });
  expect(pulled.status).toBe(200);
  return pulled.body.records;
}

function expectContractError(result: { status: number; body: unknown }, status: number) {
  expect(result.status).toBe(status);
  expect(result.body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
}

describe('request line', () => {
  it('answers 405 with Allow for a method the path does not have', async () => {
    const unknown = await app.json('PROPFIND', '/api/sync/push', { token: writer });
    expectContractError(unknown, 405);
    expect(unknown.headers.get('allow')).toBe('OPTIONS, POST');
    const patch = await app.json('PATCH', '/api/attachments/abc', { token: writer });
    expectContractError(patch, 405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD, OPTIONS, PUT');
  });

  it('answers 400 for malformed percent-encoding in a path', async () => {
    for (const [method, path] of [
      ['GET', '/api/attachments/%ff'],
      ['GET', '/api/attachments/%'],
      ['PUT', '/api/attachments/%zz'],
    ]) {
      expectContractError(await app.json(method, path, { token: writer }), 400);
    }
  });

  it('answers 400 for NUL in a query value or a path', async () => {
    expectContractError(
      await app.json('POST', '/api/sync/pull?schemaType=%00', { token: writer, body: { client_id: 'c' } }),
      400,
    );
    expectContractError(await app.json('DELETE', '/api/users/a%00b', { token: admin }), 400);
  });
});

describe('observation content', () => {
  it('stores U+0000 losslessly and pulls it back byte for byte, marker characters included', async () => {
    const data = { note: 'scan\u0000ned', 'key\u0000': ['\u0000', '\uE0000 stays', '\uE000e'], plain: 1 };
    const geolocation = { label: 'x\u0000y', latitude: 1.5 };
    const pushed = await app.json('POST', '/api/sync/push', {
      token: writer,
      body: {
        transmission_id: 'nul-1',
        client_id: 'hostile-device',
        records: [{ ...record('nul-obs', data), geolocation }],
      },
    });
    expect(pushed.status).toBe(200);
    expect(pushed.body.success_count).toBe(1);
    const pulled = (await pullAll()).find((r) => r.observation_id === 'nul-obs')!;
    expect(pulled.data).toEqual(data);
    expect(pulled.geolocation).toEqual(geolocation);
  });

  it('answers 400 for a lone surrogate and for 10,000-deep nesting, storing nothing', async () => {
    const surrogate = await app.request('POST', '/api/sync/push', {
      token: writer,
      body: '{"transmission_id":"ls-1","client_id":"d","records":[{"observation_id":"ls","form_type":"f","data":{"t":"\\ud800"}}]}',
    });
    expect(surrogate.status).toBe(400);
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const nested = await app.request('POST', '/api/sync/push', {
      token: writer,
      body: `{"transmission_id":"deep-1","client_id":"d","records":[{"observation_id":"deep","form_type":"f","data":{"d":${'['.repeat(10_000)}${']'.repeat(10_000)}}}]}`,
    });
    expect(nested.status).toBe(400);
    const ids = (await pullAll()).map((r) => r.observation_id);
    expect(ids).not.toContain('ls');
    expect(ids).not.toContain('deep');
  });

  it('answers 400 for a 3,000-character transmission_id and for NUL in an identifier', async () => {
    expectContractError(await push([record('long-t', {})], { transmission_id: 't'.repeat(3000) }), 400);
    expectContractError(await push([record('a\u0000b', {})]), 400);
    expectContractError(await push([{ ...record('nul-type', {}), form_type: 'f\u0000' }]), 400);
  });
});

describe('names', () => {
  it('answers 400 for NUL in a username at login and at user creation', async () => {
    expectContractError(
      await app.json('POST', '/api/auth/login', { body: { username: 'ad\u0000min', password: 'admin' } }),
      400,
    );
    expectContractError(
      await app.json('POST', '/api/users/create', {
        token: admin,
        body: { username: 'u\u0000', password: 'pw', role: 'read-only' },
      }),
      400,
    );
  });

  it('answers 400 for a 256-character username', async () => {
    expectContractError(
      await app.json('POST', '/api/users', {
        token: admin,
        body: { username: 'u'.repeat(256), password: 'pw', role: 'read-only' },
      }),
      400,
    );
  });
});

describe('multipart', () => {
  it('answers 400 for a bundle push without a closing boundary', async () => {
    const body = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="bundle"; filename="b.zip"\r\n\r\nPK\u0003\u0004 cut`,
    );
    const result = await app.json('POST', '/api/app-bundle/push', {
      token: admin,
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    expectContractError(result, 400);
  });

  it('answers 400 for a 200 KB part-header line, on an attachment and on a bundle', async () => {
    const body = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${'a'.repeat(200_000)}"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
    );
    const headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
    expectContractError(await app.json('PUT', '/api/attachments/longheader', { token: writer, body, headers }), 400);
    expectContractError(await app.json('POST', '/api/app-bundle/push', { token: admin, body, headers }), 400);
  });
});

describe('multipart cut short', () => {
  it('answers 400 for an attachment whose body has no closing boundary, and stores nothing', async () => {
    const body = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\ncut off`,
    );
    const headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
    expectContractError(await app.json('PUT', '/api/attachments/cutshort', { token: writer, body, headers }), 400);
    expect((await app.request('HEAD', '/api/attachments/cutshort', { token: writer })).status).toBe(404);
  });
});
