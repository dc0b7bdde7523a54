import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';
import { consoleCaller } from '../support/console-caller';
import { dataPaths } from '@/server/storage/paths';

let app: TestApp;
let admin: string;
beforeAll(async () => {
  app = await createTestApp();
  admin = await app.adminToken();
});
afterAll(() => app.close());

const pushBody = (ids: string[], extra: Record<string, unknown> = {}) => ({
  transmission_id: `tx-${ids.join('-')}`,
  client_id: 'device-r',
  records: ids.map((id) => ({
    observation_id: id,
    form_type: id.startsWith('h') ? 'household' : 'visit',
    form_version: '1',
    data: { id },
  })),
  ...extra,
});

describe('console observation queries', () => {
  it('page, filter by form type, search by id and hide deleted records unless asked', async () => {
    await app.json('POST', '/api/sync/push', { token: admin, body: pushBody(['h-1', 'h-2', 'v-1']) });
    await app.json('POST', '/api/sync/push', {
      token: admin,
      body: { ...pushBody(['v-2']), records: [{ observation_id: 'v-2', form_type: 'visit', data: {}, deleted: true }] },
    });
    const caller = consoleCaller('read-only');
    const households = await caller.console.observations({ formType: 'household' });
    expect(households.total).toBe(2);
    expect(households.items.map((i) => i.observationId).sort()).toEqual(['h-1', 'h-2']);
    const page = await caller.console.observations({ page: 2, pageSize: 1 });
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(1);
    expect((await caller.console.observations({ search: 'V-' })).items.map((i) => i.observationId)).toEqual(['v-1']);
    expect((await caller.console.observations({ search: 'v-', includeDeleted: true })).total).toBe(2);
    expect(await caller.sync.formTypes()).toEqual([
      { formType: 'household', count: 2 },
      { formType: 'visit', count: 2 },
    ]);
    expect((await caller.sync.getObservation({ observationId: 'h-1' })).data).toEqual({ id: 'h-1' });
    await expect(caller.sync.getObservation({ observationId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('POST /api/admin/repository/reset', () => {
  it('refuses a wrong or missing confirmation with 400 and non-admins with 403', async () => {
    for (const body of [{}, { confirm: 'reset_repository' }, { confirm: 'RESET_REPOSITORY ' }]) {
      const { status, body: answer } = await app.json('POST', '/api/admin/repository/reset', { token: admin, body });
      expect(status).toBe(400);
      expect(answer.error).toBe('confirm must be exactly "RESET_REPOSITORY"');
    }
    const writer = await app.userToken('read-write');
    expect(
      (
        await app.request('POST', '/api/admin/repository/reset', {
          token: writer,
          body: { confirm: 'RESET_REPOSITORY' },
        })
      ).status,
    ).toBe(403);
  });

  it('erases observations, attachment operations and files, resets the counter and bumps the generation', async () => {
    await getDb().attachmentOperation.create({ data: { attachmentId: 'a.jpg', operation: 'create', version: 0 } });
    const { attachments, attachmentsUncompressed } = dataPaths();
    fs.mkdirSync(attachments, { recursive: true });
    fs.mkdirSync(attachmentsUncompressed, { recursive: true });
    fs.writeFileSync(path.join(attachments, 'a.jpg'), 'x');
    fs.writeFileSync(path.join(attachmentsUncompressed, 'a.jpg'), 'xx');

    const { status, body, headers } = await app.json('POST', '/api/admin/repository/reset', {
      token: admin,
      body: { confirm: 'RESET_REPOSITORY' },
    });
    expect(status).toBe(200);
    expect(body).toEqual({ repository_generation: 2, message: 'Repository reset completed' });
    expect(headers.get('x-repository-generation')).toBe('2');
    expect(await getDb().observation.count()).toBe(0);
    expect(await getDb().attachmentOperation.count()).toBe(0);
    expect(fs.readdirSync(attachments)).toEqual([]);
    expect(fs.readdirSync(attachmentsUncompressed)).toEqual([]);
    const status2 = await consoleCaller('read-only').sync.repositoryStatus();
    expect(status2).toMatchObject({ repositoryGeneration: 2, currentVersion: 1, lastResetBy: 'admin' });
    expect(Date.now() - Date.parse(status2.lastResetAt!)).toBeLessThan(60_000);
  });

  it('sends clients of the old generation into the reset flow and lets fresh clients adopt the new one', async () => {
    const stale = await app.json('POST', '/api/sync/pull', {
      token: admin,
      body: { client_id: 'old', since: { version: 9 } },
      headers: { 'x-repository-generation': '1' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('repository_reset_required');
    expect(stale.headers.get('x-repository-generation')).toBe('2');
    const stalePush = await app.json('POST', '/api/sync/push', {
      token: admin,
      body: pushBody(['h-9'], { repository_generation: 1 }),
    });
    expect(stalePush.status).toBe(409);
    const fresh = await app.json('POST', '/api/sync/pull', {
      token: admin,
      body: { client_id: 'new', since: { version: 0 } },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ repository_generation: 2, records: [] });
    const freshPush = await app.json('POST', '/api/sync/push', {
      token: admin,
      body: pushBody(['h-10'], { repository_generation: 2 }),
    });
    expect(freshPush.status).toBe(200);
    expect(freshPush.body.repository_generation).toBe(2);
  });
});
