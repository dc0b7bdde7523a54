import archiver from 'archiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';

let app: TestApp;
let admin: string;
beforeAll(async () => {
  app = await createTestApp();
  admin = await app.adminToken();
});
afterAll(() => app.close());

async function events(query = '', token = admin) {
  const { status, body } = await app.json('GET', `/api/audit${query}`, { token });
  expect(status, JSON.stringify(body)).toBe(200);
  return body as { events: any[]; next_before: number | null };
}

async function latest(action: string) {
  const { events: found } = await events(`?action=${action}&limit=1`);
  expect(found, `no ${action} event`).toHaveLength(1);
  return found[0];
}

async function bundleZip(): Promise<Buffer> {
  const archive = archiver('zip');
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => archive.on('end', resolve));
  archive.append('<!doctype html><title>app</title>', { name: 'app/index.html' });
  archive.append(JSON.stringify({ type: 'object', properties: { core_id: { type: 'string' } } }), {
    name: 'forms/person/schema.json',
  });
  archive.append(JSON.stringify({ type: 'VerticalLayout', elements: [] }), { name: 'forms/person/ui.json' });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const SECRETS = ['field1-first-pw', 'field1-second-pw', 'field1-third-pw', 'wrong-password'];

describe('the audit log records', () => {
  it('REST sign-ins, failures with the username tried, with client IP and client id', async () => {
    await app.json('POST', '/api/auth/login', {
      body: { username: 'admin', password: 'wrong-password' },
      peer: '10.1.2.3',
      headers: { 'x-ode-client-id': 'synk-cli-7' },
    });
    const failed = await latest('auth.login_failed');
    expect(failed).toMatchObject({
      actor: 'admin',
      target: 'admin',
      ip: '10.1.2.3',
      client_id: 'synk-cli-7',
      details: { channel: 'rest' },
    });
    await app.json('POST', '/api/auth/login', { body: { username: 'ghost', password: 'x' } });
    expect(await latest('auth.login_failed')).toMatchObject({ actor: 'ghost' });
    await app.login('admin', 'admin');
    const ok = await latest('auth.login');
    expect(ok).toMatchObject({ actor: 'admin', ip: '127.0.0.1', details: { channel: 'rest' } });
    expect(Date.parse(ok.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('user create, password reset, password change and delete, with no password in them', async () => {
    expect(
      (
        await app.json('POST', '/api/users/create', {
          token: admin,
          body: { username: 'field1', password: 'field1-first-pw', role: 'read-write' },
        })
      ).status,
    ).toBe(201);
    expect(await latest('user.create')).toMatchObject({
      actor: 'admin',
      target: 'field1',
      details: { role: 'read-write' },
    });
    expect(
      (
        await app.json('POST', '/api/users/reset-password', {
          token: admin,
          body: { username: 'field1', newPassword: 'field1-second-pw' },
        })
      ).status,
    ).toBe(200);
    expect(await latest('user.reset_password')).toMatchObject({ actor: 'admin', target: 'field1' });
    const field1 = await app.login('field1', 'field1-second-pw');
    expect(
      (
        await app.json('POST', '/api/users/change-password', {
          token: field1,
          body: { currentPassword: 'field1-second-pw', newPassword: 'field1-third-pw' },
        })
      ).status,
    ).toBe(200);
    expect(await latest('user.change_password')).toMatchObject({ actor: 'field1', target: 'field1' });
    expect((await app.json('DELETE', '/api/users/delete/field1', { token: admin })).status).toBe(200);
    expect(await latest('user.delete')).toMatchObject({ actor: 'admin', target: 'field1' });

    const [row] = await getDb().$queryRaw<
      Array<{ text: string }>
    >`SELECT coalesce(string_agg(audit_events::text, ' '), '') AS text FROM audit_events`;
    for (const secret of SECRETS) expect(row.text).not.toContain(secret);
  });

  it('app bundle push and switch', async () => {
    const form = new FormData();
    form.append('bundle', new Blob([new Uint8Array(await bundleZip())], { type: 'application/zip' }), 'bundle.zip');
    const pushed = await app.json('POST', '/api/app-bundle/push', { token: admin, body: form });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    const version = pushed.body.manifest.version;
    expect(await latest('bundle.push')).toMatchObject({ actor: 'admin', target: version });
    expect((await app.json('POST', `/api/app-bundle/switch/${version}`, { token: admin })).status).toBe(200);
    expect(await latest('bundle.switch')).toMatchObject({ actor: 'admin', target: version });
  });

  it('each export and the attachment zip, read-only users included', async () => {
    const viewer = await app.userToken('read-only', 'auditor-viewer');
    for (const [path, action] of [
      ['/api/dataexport/parquet', 'export.parquet'],
      ['/api/dataexport/raw-json', 'export.raw_json'],
      ['/api/attachments/export-zip', 'export.attachments_zip'],
    ]) {
      const response = await app.request('GET', path, { token: viewer });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      expect(await latest(action)).toMatchObject({ actor: 'auditor-viewer' });
    }
  });

  it('repository resets', async () => {
    expect(
      (await app.json('POST', '/api/admin/repository/reset', { token: admin, body: { confirm: 'RESET_REPOSITORY' } }))
        .status,
    ).toBe(200);
    const reset = await latest('repository.reset');
    expect(reset.actor).toBe('admin');
    expect(reset.details.repository_generation).toBe(2);
  });

  it('restores and conflict resolutions', async () => {
    const writer = await app.userToken('read-write', 'auditor-writer');
    const push = (clientId: string, data: unknown, n: number) =>
      app.json('POST', '/api/sync/push', {
        token: writer,
        body: {
          transmission_id: `audit-${clientId}-${n}`,
          client_id: clientId,
          records: [
            {
              observation_id: 'o-1',
              form_type: 'f',
              form_version: '1',
              data,
              created_at: '2026-01-01T00:00:00Z',
              deleted: false,
            },
          ],
        },
      });
    const pull = (clientId: string) =>
      app.json('POST', '/api/sync/pull', { token: writer, body: { client_id: clientId, since: { version: 0 } } });
    await push('dev-a', { v: 1 }, 1);
    await pull('dev-a');
    await pull('dev-b');
    await push('dev-b', { v: 2 }, 2);
    await push('dev-a', { v: 3 }, 3);
    const conflicts = (await app.json('GET', '/api/conflicts', { token: writer })).body.conflicts;
    expect(conflicts).toHaveLength(1);
    expect(
      (await app.json('POST', `/api/conflicts/${conflicts[0].id}/resolve`, { token: writer, body: { keep: 'winner' } }))
        .status,
    ).toBe(200);
    expect(await latest('conflict.resolve')).toMatchObject({
      actor: 'auditor-writer',
      target: 'o-1',
      details: { conflict: conflicts[0].id, keep: 'winner' },
    });

    const versions = (await app.json('GET', '/api/observations/o-1/history', { token: writer })).body.versions;
    expect(
      (
        await app.json('POST', '/api/observations/o-1/restore', {
          token: admin,
          body: { version: versions[2].version },
        })
      ).status,
    ).toBe(200);
    expect(await latest('observation.restore')).toMatchObject({
      actor: 'admin',
      target: 'o-1',
      details: { from_version: versions[2].version },
    });
  });
});

describe('GET /api/audit', () => {
  it('pages newest first with next_before and filters by action and actor', async () => {
    const all = await events('?limit=500');
    const ids = all.events.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(all.next_before).toBeNull();

    const first = await events('?limit=3');
    expect(first.events.map((e) => e.id)).toEqual(ids.slice(0, 3));
    const second = await events(`?limit=3&before=${first.next_before}`);
    expect(second.events.map((e) => e.id)).toEqual(ids.slice(3, 6));

    const logins = await events('?action=auth.login_failed');
    expect(logins.events.length).toBeGreaterThanOrEqual(2);
    expect(logins.events.every((e) => e.action === 'auth.login_failed')).toBe(true);
    const byField1 = await events('?actor=field1');
    expect(byField1.events.map((e) => e.action).sort()).toEqual(['auth.login', 'user.change_password']);

    const future = await events(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.events).toHaveLength(0);
    const past = await events(`?to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=500`);
    expect(past.events).toHaveLength(ids.length);
    expect((await app.json('GET', '/api/audit?from=yesterday', { token: admin })).status).toBe(400);
    expect((await app.json('GET', '/api/audit?limit=0', { token: admin })).status).toBe(400);
  });

  it('is for admins only', async () => {
    const writer = await app.userToken('read-write', 'curious');
    expect((await app.json('GET', '/api/audit', { token: writer })).status).toBe(403);
  });

  it('is append-only in the database', async () => {
    await expect(getDb().$executeRaw`UPDATE audit_events SET actor = 'someone else'`).rejects.toThrow(/append-only/);
    await expect(getDb().$executeRaw`DELETE FROM audit_events`).rejects.toThrow(/append-only/);
    await expect(getDb().$executeRaw`TRUNCATE audit_events`).rejects.toThrow(/append-only/);
  });
});

describe('the OpenAPI document', () => {
  it('covers the history, conflict and audit endpoints with named operations and schemas', async () => {
    const { buildOpenApiDocument } = await import('@/server/http/openapi-document');
    const doc = buildOpenApiDocument('http://localhost') as any;
    const operations = {
      '/api/observations/{observation_id}/history': ['get', 'getObservationHistory'],
      '/api/observations/{observation_id}/restore': ['post', 'restoreObservationVersion'],
      '/api/conflicts': ['get', 'listConflicts'],
      '/api/conflicts/{id}/resolve': ['post', 'resolveConflict'],
      '/api/audit': ['get', 'listAuditEvents'],
    };
    for (const [path, [method, operationId]] of Object.entries(operations)) {
      expect(doc.paths[path]?.[method]?.operationId, path).toBe(operationId);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ObservationHistory', 'Conflict', 'ConflictList', 'AuditEvent', 'AuditEventList']),
    );
  });
});
