import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';
import { resetConfig } from '@/server/config';
import { HistoryService } from '@/server/services/history';

let app: TestApp;
let writer: string;
let viewer: string;
let admin: string;
beforeAll(async () => {
  app = await createTestApp();
  writer = await app.userToken('read-write', 'collector');
  viewer = await app.userToken('read-only', 'viewer');
  admin = await app.adminToken();
});
afterAll(() => app.close());

let sequence = 0;

function record(id: string, data: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    observation_id: id,
    form_type: 'visit',
    form_version: '1.0',
    data,
    created_at: '2026-02-01T10:00:00Z',
    updated_at: '2026-02-01T10:00:00Z',
    deleted: false,
    ...overrides,
  };
}

async function push(records: unknown[], clientId = 'tablet-1') {
  const transmissionId = `tx-history-${++sequence}`;
  const { status, body } = await app.json('POST', '/api/sync/push', {
    token: writer,
    body: { transmission_id: transmissionId, client_id: clientId, records },
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return transmissionId;
}

async function history(id: string, token = viewer) {
  return app.json('GET', `/api/observations/${encodeURIComponent(id)}/history`, { token });
}

describe('GET /api/observations/{id}/history', () => {
  it('keeps every replaced version with its writer, newest first, the current one included', async () => {
    const first = await push([
      record('visit-1', { weight: 3.1 }, { geolocation: { latitude: -6.8, longitude: 39.28 }, tags: ['a'] }),
    ]);
    const second = await push([record('visit-1', { weight: 3.4 })], 'tablet-2');
    const third = await push([record('visit-1', { weight: 3.4 }, { deleted: true })]);

    const { status, body } = await history('visit-1');
    expect(status).toBe(200);
    expect(body.observation_id).toBe('visit-1');
    expect(body.versions.map((v: any) => v.data)).toEqual([{ weight: 3.4 }, { weight: 3.4 }, { weight: 3.1 }]);
    expect(body.versions.map((v: any) => v.deleted)).toEqual([true, false, false]);
    expect(body.versions.map((v: any) => v.transmission_id)).toEqual([third, second, first]);
    expect(body.versions.map((v: any) => v.client_id)).toEqual(['tablet-1', 'tablet-2', 'tablet-1']);
    expect(
      body.versions.every(
        (v: any) => v.username === 'collector' && v.form_type === 'visit' && v.form_version === '1.0',
      ),
    ).toBe(true);
    expect(body.versions[2]).toMatchObject({ geolocation: { latitude: -6.8, longitude: 39.28 }, tags: ['a'] });
    const versions = body.versions.map((v: any) => v.version);
    expect([...versions].sort((a, b) => b - a)).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
    for (const v of body.versions) expect(v.written_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);

    // The current version is the one sync serves.
    const pulled = await app.json('POST', '/api/sync/pull', {
      token: viewer,
      body: { client_id: 'reader', since: { version: 0 } },
    });
    const current = pulled.body.records.find((r: any) => r.observation_id === 'visit-1');
    expect(current.version).toBe(versions[0]);
  });

  it('shows content pushed with U+0000 or the marker U+E000 as it was pushed, in every version', async () => {
    const first = { note: 'a\u0000b', 'k\u0000': '\uE000e' };
    await push([record('visit-nul', first, { geolocation: { latitude: 1, longitude: 2, label: 'g\u0000' } })]);
    await push([record('visit-nul', { note: 'second\u0000' })]);
    const { status, body } = await history('visit-nul');
    expect(status).toBe(200);
    expect(body.versions.map((v: any) => v.data)).toEqual([{ note: 'second\u0000' }, first]);
    expect(body.versions[1].geolocation).toEqual({ latitude: 1, longitude: 2, label: 'g\u0000' });
  });

  it('writes history for every record of a batch, in the push transaction', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `batch-${i}`);
    await push(ids.map((id) => record(id, { round: 1 })));
    await push(ids.map((id) => record(id, { round: 2 })));
    const [row] = await getDb().$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM observation_history WHERE observation_id LIKE 'batch-%'`;
    expect(row.n).toBe(50);
    const { body } = await history('batch-7');
    expect(body.versions.map((v: any) => v.data.round)).toEqual([2, 1]);
  });

  it('answers 404 for an unknown observation and 401 without a token', async () => {
    const unknown = await history('nobody-knows');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ message: 'Observation not found' });
    const anonymous = await app.json('GET', '/api/observations/visit-1/history');
    expect(anonymous.status).toBe(401);
  });
});

describe('POST /api/observations/{id}/restore', () => {
  it('writes a historical version as a new version that devices pull', async () => {
    await push([record('visit-2', { status: 'original' })]);
    await push([record('visit-2', { status: 'overwritten by mistake' })]);
    const versions = (await history('visit-2')).body.versions;
    const original = versions[1];

    const { status, body } = await app.json('POST', '/api/observations/visit-2/restore', {
      token: admin,
      body: { version: original.version },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ observation_id: 'visit-2', restored_version: original.version });
    expect(body.version).toBeGreaterThan(versions[0].version);

    const after = (await history('visit-2')).body.versions;
    expect(after).toHaveLength(3);
    expect(after[0]).toMatchObject({
      version: body.version,
      data: { status: 'original' },
      username: 'admin',
      client_id: 'synkronus-console',
      transmission_id: null,
    });

    const pulled = await app.json('POST', '/api/sync/pull', {
      token: viewer,
      body: { client_id: 'reader-2', since: { version: versions[0].version } },
    });
    expect(pulled.body.records.map((r: any) => [r.observation_id, r.data.status])).toContainEqual([
      'visit-2',
      'original',
    ]);
  });

  it('is for admins only and answers 404 for an unknown version or observation', async () => {
    const current = (await history('visit-2')).body.versions[0].version;
    expect(
      (await app.json('POST', '/api/observations/visit-2/restore', { token: writer, body: { version: current } }))
        .status,
    ).toBe(403);
    expect(
      (await app.json('POST', '/api/observations/visit-2/restore', { token: admin, body: { version: 999999 } })).status,
    ).toBe(404);
    expect(
      (await app.json('POST', '/api/observations/nope/restore', { token: admin, body: { version: 1 } })).status,
    ).toBe(404);
    expect(
      (await app.json('POST', '/api/observations/visit-2/restore', { token: admin, body: { version: 'x' } })).status,
    ).toBe(400);
  });
});

describe('retention and reset', () => {
  it('prunes versions older than SYNKRONUS_HISTORY_RETENTION_DAYS, keeping the sides of open conflicts', async () => {
    await push([record('old-1', { n: 1 })]);
    await push([record('old-1', { n: 2 })]);
    await push([record('old-1', { n: 3 })]);
    const db = getDb();
    await db.$executeRaw`UPDATE observation_history SET replaced_at = now() - interval '40 days' WHERE observation_id = 'old-1'`;
    const [kept] = await db.$queryRaw<Array<{ version: bigint }>>`
      SELECT min(version) AS version FROM observation_history WHERE observation_id = 'old-1'`;
    await db.$executeRaw`
      INSERT INTO observation_conflicts (observation_id, winner_version, loser_version) VALUES ('old-1', ${kept.version} + 100, ${kept.version})`;

    // Unset: keep forever.
    expect(await new HistoryService().prune()).toBe(0);
    process.env.SYNKRONUS_HISTORY_RETENTION_DAYS = '30';
    resetConfig();
    try {
      expect(await new HistoryService().prune()).toBe(1);
    } finally {
      delete process.env.SYNKRONUS_HISTORY_RETENTION_DAYS;
      resetConfig();
    }
    const { body } = await history('old-1');
    expect(body.versions.map((v: any) => v.data.n)).toEqual([3, 1]);
  });

  it('a repository reset clears history and conflicts', async () => {
    const reset = await app.json('POST', '/api/admin/repository/reset', {
      token: admin,
      body: { confirm: 'RESET_REPOSITORY' },
    });
    expect(reset.status).toBe(200);
    expect((await history('visit-1')).status).toBe(404);
    const [row] = await getDb().$queryRaw<Array<{ h: number; c: number }>>`
      SELECT (SELECT count(*)::int FROM observation_history) AS h, (SELECT count(*)::int FROM observation_conflicts) AS c`;
    expect(row).toEqual({ h: 0, c: 0 });
  });
});
