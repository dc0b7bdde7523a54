import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';
import { consoleCaller } from '../support/console-caller';
import { presence } from '@/server/services/presence';
import { disconnectDb } from '@/server/db/client';

let app: TestApp;
let writer: string;
let reader: string;
beforeAll(async () => {
  app = await createTestApp();
  writer = await app.userToken('read-write', 'collector');
  reader = await app.userToken('read-only', 'viewer');
});
afterAll(() => app.close());

let sequence = 0;
const nextId = (prefix = 'obs') => `${prefix}_${Date.now()}_${++sequence}`;

function record(id: string, overrides: Record<string, unknown> = {}) {
  return {
    observation_id: id,
    form_type: 'survey',
    form_version: '1.0',
    data: { name: `n-${id}`, count: 3, nested: { a: [1, 2] } },
    created_at: '2025-01-01T10:00:00.123Z',
    updated_at: '2025-01-01T10:00:00.123Z',
    synced_at: null,
    deleted: false,
    geolocation: null,
    ...overrides,
  };
}

async function push(
  records: unknown[],
  options: {
    token?: string;
    clientId?: string;
    transmissionId?: string;
    headers?: Record<string, string>;
    generation?: number;
  } = {},
) {
  return app.json('POST', '/api/sync/push', {
    token: options.token ?? writer,
    headers: options.headers,
    body: {
      transmission_id: options.transmissionId ?? `t${++sequence}abcdefghij`.slice(0, 16),
      client_id: options.clientId ?? 'formulus-device-a',
      records,
      ...(options.generation !== undefined && { repository_generation: options.generation }),
    },
  });
}

async function pull(
  body: Record<string, unknown>,
  options: { token?: string; query?: string; headers?: Record<string, string> } = {},
) {
  return app.json('POST', `/api/sync/pull${options.query ?? ''}`, {
    token: options.token ?? reader,
    body,
    headers: options.headers,
  });
}

async function counter(): Promise<number> {
  const row = await getDb().syncVersion.findUnique({ where: { id: 1 } });
  return Number(row!.currentVersion);
}

async function pullAll(clientId: string, since: number, schemaTypes?: string[]) {
  const records: any[] = [];
  let cursor = since;
  for (;;) {
    const { body } = await pull(
      { client_id: clientId, since: { version: cursor }, ...(schemaTypes && { schema_types: schemaTypes }) },
      { query: '?limit=2' },
    );
    records.push(...body.records);
    if (!body.has_more) return { records, current_version: body.current_version as number };
    expect(body.change_cutoff).toBeGreaterThan(cursor);
    cursor = body.change_cutoff;
  }
}

describe('POST /api/sync/pull', () => {
  it('answers a fresh database with current_version ≥ 1, no records, and every field present', async () => {
    const { status, body, headers } = await pull({ client_id: 'fresh', since: { version: 0 } });
    expect(status).toBe(200);
    expect(body.current_version).toBeGreaterThanOrEqual(1);
    expect(body).toMatchObject({
      records: [],
      change_cutoff: 0,
      has_more: false,
      sync_format_version: '1.0',
      repository_generation: 1,
    });
    expect(headers.get('x-repository-generation')).toBe('1');
  });

  it('works without since, and ignores unknown body fields such as an old portal limit', async () => {
    const { status, body } = await pull({ client_id: 'portal-1', limit: 1000 });
    expect(status).toBe(200);
    expect(body.has_more).toBe(false);
  });

  it('answers 400 without client_id', async () => {
    const { status, body } = await pull({ since: { version: 0 } });
    expect(status).toBe(400);
    expect(body.error).toBe('client_id is required');
  });

  it('pages in version order with has_more and a strictly growing change_cutoff', async () => {
    const start = await counter();
    const ids = [nextId(), nextId(), nextId(), nextId(), nextId()];
    await push(ids.map((id) => record(id)));
    const first = await pull({ client_id: 'pager', since: { version: start } }, { query: '?limit=2' });
    expect(first.body.records.map((r: any) => r.observation_id)).toEqual(ids.slice(0, 2));
    expect(first.body.has_more).toBe(true);
    expect(first.body.change_cutoff).toBe(first.body.records[1].version);
    const rest = await pullAll('pager', first.body.change_cutoff);
    expect(rest.records.map((r: any) => r.observation_id)).toEqual(ids.slice(2));
    expect(rest.current_version).toBeGreaterThanOrEqual(rest.records.at(-1).version);
  });

  it('uses limit 100 by default, clamps to 1000 and treats invalid limits as the default', async () => {
    await push(Array.from({ length: 120 }, () => record(nextId('bulk'))));
    expect((await pull({ client_id: 'l', since: { version: 0 } })).body.records).toHaveLength(100);
    expect((await pull({ client_id: 'l', since: { version: 0 } }, { query: '?limit=abc' })).body.records).toHaveLength(
      100,
    );
    expect((await pull({ client_id: 'l', since: { version: 0 } }, { query: '?limit=0' })).body.records).toHaveLength(
      100,
    );
    const all = (await pull({ client_id: 'l', since: { version: 0 } }, { query: '?limit=5000' })).body;
    expect(all.records.length).toBeGreaterThan(100);
    expect(all.has_more).toBe(false);
  });

  it('reads a limit with surrounding spaces and takes any other non-integer form as the default', async () => {
    await push(Array.from({ length: 110 }, () => record(nextId('form'))));
    const count = async (query: string) =>
      (await pull({ client_id: 'lf', since: { version: 0 } }, { query })).body.records.length as number;
    expect(await count('?limit=%207%20')).toBe(7);
    for (const query of ['?limit=1e1', '?limit=2.5', '?limit=-3', '?limit=99999999999999999999', '?limit='])
      expect(await count(query)).toBe(100);
  });

  it('filters by schema_types and the schemaType query, unioned', async () => {
    const start = await counter();
    await push([
      record(nextId(), { form_type: 'household' }),
      record(nextId(), { form_type: 'visit' }),
      record(nextId(), { form_type: 'other' }),
    ]);
    const byBody = await pull({ client_id: 'f', since: { version: start }, schema_types: ['household'] });
    expect(byBody.body.records.map((r: any) => r.form_type)).toEqual(['household']);
    const both = await pull(
      { client_id: 'f', since: { version: start }, schema_types: ['household'] },
      { query: '?schemaType=visit' },
    );
    expect(both.body.records.map((r: any) => r.form_type)).toEqual(['household', 'visit']);
  });

  it('round-trips data, geolocation, author, device_id and tags, omitting what is absent', async () => {
    const start = await counter();
    const withAll = nextId();
    const bare = nextId();
    await push([
      record(withAll, {
        geolocation: {
          latitude: -1.28,
          longitude: 36.82,
          accuracy: 5,
          altitude: null,
          timestamp: '2025-01-01T10:00:00Z',
        },
        author: 'collector',
        device_id: 'formulus-device-a',
        tags: ['last_write_won'],
      }),
      record(bare, { tags: [], author: undefined }),
    ]);
    const { body } = await pull({ client_id: 'g', since: { version: start } });
    const [full, plain] = body.records;
    expect(full.data).toEqual({ name: `n-${withAll}`, count: 3, nested: { a: [1, 2] } });
    expect(full.geolocation).toMatchObject({ latitude: -1.28, longitude: 36.82, accuracy: 5 });
    expect(full).toMatchObject({ author: 'collector', device_id: 'formulus-device-a', tags: ['last_write_won'] });
    expect(full.created_at).toBe('2025-01-01T10:00:00.123Z');
    expect(Number.isNaN(Date.parse(full.updated_at))).toBe(false);
    for (const key of ['geolocation', 'author', 'device_id', 'tags', 'synced_at'])
      expect(plain).not.toHaveProperty(key);
  });

  it('sends each record as the console lookup renders it, in an answer whose fields keep their order', async () => {
    const start = await counter();
    const ids = Array.from({ length: 6 }, () => nextId('wire'));
    // Form types, versions, authors and devices that repeat, and others that differ only after their first
    // characters: each record must carry its own.
    const alike = { form_type: 'survey_b', form_version: '1.01', author: 'a"uthor\t\u0001\\2', device_id: 'device-12' };
    await push([
      record(ids[0], {
        created_at: '2025-03-04T05:06:07.123456Z',
        data: { text: 'a\u0000b', quote: '"\\', emoji: '\u{1F600}', 'k\u0000\uE000': '\uE000e', ctl: '\t\n\u0001' },
        geolocation: { latitude: 1.5, longitude: 2.25, extra: { deep: [null, true], nul: 'g\u0000' } },
        author: 'a"uthor\t\u0001\\',
        device_id: 'device-1',
        tags: ['x', 'y'],
      }),
      record(ids[1], { created_at: '2025-03-04T05:06:07Z', tags: [], author: null, device_id: null }),
      record(ids[2], { created_at: '2025-03-04T05:06:07.100+02:00', deleted: true, ...alike }),
      record(ids[3], { author: 'a"uthor\t\u0001\\', device_id: 'device-1' }),
      // The first and the last instant a record may hold.
      record(ids[4], { created_at: '0001-01-01T01:00:00+01:00' }),
      record(ids[5], { created_at: '9999-12-31T18:59:59.999999-05:00' }),
    ]);
    const response = await app.request('POST', '/api/sync/pull', {
      token: reader,
      body: { client_id: 'wire-reader', since: { version: start } },
    });
    const text = await response.text();
    expect(text.endsWith('}\n')).toBe(true);
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual([
      'current_version',
      'repository_generation',
      'records',
      'change_cutoff',
      'has_more',
      'sync_format_version',
    ]);
    expect(body.records.map((r: any) => r.observation_id)).toEqual(ids);
    expect(body.records.map((r: any) => r.created_at)).toEqual([
      '2025-03-04T05:06:07.123456Z',
      '2025-03-04T05:06:07Z',
      '2025-03-04T03:06:07.1Z',
      '2025-01-01T10:00:00.123Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999999Z',
    ]);
    expect(body.records.map((r: any) => [r.form_type, r.form_version, r.author, r.device_id])).toEqual([
      ['survey', '1.0', 'a"uthor\t\u0001\\', 'device-1'],
      ['survey', '1.0', undefined, undefined],
      [alike.form_type, alike.form_version, alike.author, alike.device_id],
      ['survey', '1.0', 'a"uthor\t\u0001\\', 'device-1'],
      ['survey', '1.0', undefined, undefined],
      ['survey', '1.0', undefined, undefined],
    ]);
    const lookup = consoleCaller('read-only');
    for (const pulled of body.records) {
      const looked = await lookup.sync.getObservation({ observationId: pulled.observation_id });
      expect(Object.keys(pulled)).toEqual(Object.keys(looked));
      expect(pulled).toEqual(looked);
    }
    expect(body.records[0].data.text).toBe('a\u0000b');
    expect(body.records[0].data['k\u0000\uE000']).toBe('\uE000e');
    expect(body.records[0].geolocation.extra.nul).toBe('g\u0000');
    expect(body.records[0].author).toBe('a"uthor\t\u0001\\');
  });

  it('sends the same timestamps when the database is configured with another DateStyle', async () => {
    const id = nextId();
    const since = await counter();
    await push([record(id, { created_at: '2025-03-04T05:06:07.5+02:00' })]);
    const database = new URL(app.databaseUrl).pathname.slice(1);
    await getDb().$executeRawUnsafe(`ALTER DATABASE ${database} SET DateStyle = 'SQL, DMY'`);
    // New connections start with the database's setting.
    await disconnectDb();
    try {
      const { body } = await pull({ client_id: 'datestyle', since: { version: since } });
      const [pulled] = body.records;
      expect(pulled.observation_id).toBe(id);
      expect(pulled.created_at).toBe('2025-03-04T03:06:07.5Z');
      expect(pulled.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      const users = await app.json('GET', '/api/users', { token: await app.adminToken() });
      expect(users.body.find((u: any) => u.username === 'admin').createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    } finally {
      await getDb().$executeRawUnsafe(`ALTER DATABASE ${database} RESET DateStyle`);
      await disconnectDb();
    }
  });

  it('returns deleted records as tombstones to other devices', async () => {
    const id = nextId();
    await push([record(id)]);
    const start = await counter();
    await push([record(id, { deleted: true })], { clientId: 'formulus-device-b' });
    const { body } = await pull({ client_id: 'formulus-device-c', since: { version: start } });
    expect(body.records).toHaveLength(1);
    expect(body.records[0]).toMatchObject({ observation_id: id, deleted: true });
  });
});

describe('POST /api/sync/push', () => {
  it('stores a batch and answers current_version, repository_generation and success_count', async () => {
    const before = await counter();
    const { status, body, headers } = await push([record(nextId()), record(nextId())]);
    expect(status).toBe(200);
    expect(body.success_count).toBe(2);
    expect(body.repository_generation).toBe(1);
    expect(headers.get('x-repository-generation')).toBe('1');
    expect(body).not.toHaveProperty('failed_records');
    expect(body).not.toHaveProperty('warnings');
    expect(await counter()).toBe(before + 2);
  });

  it('accepts an empty batch (Desktop generation probe)', async () => {
    const { status, body } = await push([]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ success_count: 0, repository_generation: 1 });
  });

  it('answers 400 for a missing transmission_id, client_id or records, and 403 for read-only users', async () => {
    const bodies = [
      { client_id: 'c', records: [] },
      { transmission_id: 't', records: [] },
      { transmission_id: 't', client_id: 'c' },
      { transmission_id: 't', client_id: 'c', records: null },
    ];
    for (const body of bodies)
      expect((await app.json('POST', '/api/sync/push', { token: writer, body })).status).toBe(400);
    const forbidden = await push([record(nextId())], { token: reader });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toBe('Forbidden\n');
  });

  it('reports a record without observation_id in failed_records and stores the others', async () => {
    const before = await counter();
    const valid = nextId();
    const { status, body } = await push([record(valid), { form_type: 'survey', data: {} }]);
    expect(status).toBe(200);
    expect(body.success_count).toBe(1);
    expect(body.failed_records).toEqual([
      { index: 1, error: 'observation_id is required', record: { form_type: 'survey', data: {} } },
    ]);
    expect(await counter()).toBe(before + 1);
    expect(await getDb().observation.count({ where: { observationId: valid } })).toBe(1);
  });

  it('echoes a refused record holding U+0000 as it was sent, first time and on a retry', async () => {
    const refused = { form_type: 'survey', data: { 'k\u0000': 'a\u0000b\uE000' } };
    const batch = [record(nextId()), refused];
    const first = await push(batch, { transmissionId: 'Nul0Echo0000001', clientId: 'nul-echo' });
    expect(first.status).toBe(200);
    expect(first.body.failed_records).toEqual([{ index: 1, error: 'observation_id is required', record: refused }]);
    const retry = await push(batch, { transmissionId: 'Nul0Echo0000001', clientId: 'nul-echo' });
    expect([retry.status, retry.body]).toEqual([200, first.body]);
  });

  it('warns about an empty form_type but stores the record', async () => {
    const id = nextId();
    const { body } = await push([record(id, { form_type: '' })]);
    expect(body.warnings).toEqual([
      { id, code: 'MISSING_FORM_TYPE', message: 'form_type is empty but record was processed' },
    ]);
    expect(await getDb().observation.count({ where: { observationId: id } })).toBe(1);
  });

  it('refuses the whole batch with a 400 naming the record when one record cannot be stored', async () => {
    const before = await counter();
    const good = nextId();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ created_at: 'yesterday' }, /created_at is not an RFC 3339 timestamp/],
      [{ created_at: '2025-13-45T10:00:00Z' }, /created_at/],
      // RFC 3339 text whose instant, in UTC, has no RFC 3339 rendering (year 0 or 10000).
      [{ created_at: '0001-01-01T00:30:00+01:00' }, /created_at is outside the years 0001 to 9999 in UTC/],
      [{ created_at: '9999-12-31T23:59:59.999999-05:00' }, /created_at is outside the years 0001 to 9999/],
      [{ data: null }, /data must be a JSON object/],
      [{ data: [1, 2] }, /data must be a JSON object/],
      [{ deleted: 'yes' }, /deleted must be a boolean/],
      [{ tags: [1] }, /tags must be an array of strings/],
      [{ observation_id: 'x'.repeat(256) }, /observation_id is longer than 255/],
    ];
    for (const [override, message] of cases) {
      const bad = record(nextId(), override);
      const { status, body } = await push([record(good), bad]);
      expect(status, JSON.stringify(override).slice(0, 40)).toBe(400);
      expect(body.error).toMatch(message);
      expect(body.error).toMatch(/record 1/);
    }
    expect(await counter()).toBe(before);
    expect(await getDb().observation.count({ where: { observationId: good } })).toBe(0);
  });

  it('stores what Formulus and Desktop send: long form versions, nanosecond offsets, explicit nulls, non-UUID ids', async () => {
    const ids = ['obs_1718000000000_42', 'arbitrary id with spaces', nextId()];
    const { status, body } = await push([
      record(ids[0], { form_version: 'v'.repeat(80) }),
      record(ids[1], {
        created_at: '2025-01-01T10:00:00.123456789+00:00',
        author: null,
        device_id: null,
        tags: null,
        synced_at: null,
      }),
      record(ids[2], { form_type: 'unknown', form_version: '1.0.0', created_at: '2025-01-01T12:00:00+02:00' }),
    ]);
    expect(status).toBe(200);
    expect(body.success_count).toBe(3);
    const rows = await getDb().observation.findMany({ where: { observationId: { in: ids } } });
    expect(rows).toHaveLength(3);
    expect(rows.find((r) => r.observationId === ids[2])!.createdAt.toISOString()).toBe('2025-01-01T10:00:00.000Z');
  });

  it('lets the last writer win and keeps created_at of the first insert', async () => {
    const id = nextId();
    await push([record(id, { data: { v: 1 } })]);
    const since = await counter();
    const { status } = await push([record(id, { data: { v: 2 }, created_at: '2030-01-01T00:00:00Z' })], {
      clientId: 'other',
    });
    expect(status).toBe(200);
    const { body } = await pull({ client_id: 'lw', since: { version: since } });
    expect(body.records).toHaveLength(1);
    expect(body.records[0].data).toEqual({ v: 2 });
    expect(body.records[0].created_at).toBe('2025-01-01T10:00:00.123Z');
    expect(body.records[0].version).toBeGreaterThan(since);
  });

  it('applies the last of two records with the same id within one batch', async () => {
    const id = nextId();
    const { body } = await push([record(id, { data: { v: 'first' } }), record(id, { data: { v: 'second' } })]);
    expect(body.success_count).toBe(2);
    const row = await getDb().observation.findUnique({ where: { observationId: id } });
    expect(row!.data).toEqual({ v: 'second' });
  });

  it('raises the counter by exactly N for N single-record pushes of new ids, and returns the stored counter', async () => {
    const before = await counter();
    let last = 0;
    for (let i = 0; i < 5; i++)
      last = (await push([record(nextId())], { clientId: 'fresh-pusher' })).body.current_version;
    expect(await counter()).toBe(before + 5);
    expect(last).toBe(before + 5);
  });

  it('ten concurrent pushes of overlapping ids succeed and end like a serial replay', async () => {
    const shared = Array.from({ length: 5 }, () => nextId('shared'));
    const batches = Array.from({ length: 10 }, (_, i) => [
      ...shared.map((id) => record(id, { data: { batch: i } })),
      record(nextId(`own${i}`)),
    ]);
    const results = await Promise.all(batches.map((batch, i) => push(batch, { clientId: `concurrent-${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const rows = await getDb().observation.findMany({
      where: { observationId: { in: shared } },
      orderBy: { observationId: 'asc' },
    });
    // Pushes are serialised on the counter: the batch that took the highest versions is the one whose data stayed.
    const winner = (rows[0].data as { batch: number }).batch;
    expect(rows.every((row) => (row.data as { batch: number }).batch === winner)).toBe(true);
    const owns = await getDb().observation.count({ where: { observationId: { startsWith: 'own' } } });
    expect(owns).toBeGreaterThanOrEqual(10);
    const versions = rows.map((row) => Number(row.version));
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe('idempotent replays', () => {
  it('answers a retried push (same transmission_id and body) with the first response and writes nothing', async () => {
    const batch = [record(nextId()), record(nextId())];
    const first = await push(batch, { transmissionId: 'Ab12Cd34Ef56Gh78', clientId: 'retrier' });
    const after = await counter();
    const second = await push(batch, { transmissionId: 'Ab12Cd34Ef56Gh78', clientId: 'retrier' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await counter()).toBe(after);
  });

  it('processes a different body under a reused transmission_id as a new batch', async () => {
    const id = nextId();
    await push([record(id, { data: { v: 1 } })], { transmissionId: 'Reused0000000001', clientId: 'reuser' });
    const before = await counter();
    await push([record(id, { data: { v: 2 } })], { transmissionId: 'Reused0000000001', clientId: 'reuser' });
    expect(await counter()).toBeGreaterThan(before);
    expect((await getDb().observation.findUnique({ where: { observationId: id } }))!.data).toEqual({ v: 2 });
  });
});

describe('no skipped changes (two devices)', () => {
  it('never hands a pushing device a cursor past another device’s change it has not pulled', async () => {
    // Device A catches up.
    const pulledA = await pull(
      { client_id: 'device-A', since: { version: 0 } },
      { query: '?limit=1000', token: writer },
    );
    expect(pulledA.body.has_more).toBe(false);
    const cursorA = pulledA.body.current_version;
    // Device B pushes a change after A's pull.
    const fromB = nextId('fromB');
    await push([record(fromB)], { clientId: 'device-B' });
    // Device A pushes its own change and stores current_version as its next cursor, as Formulus does.
    const fromA = nextId('fromA');
    const pushedA = await push([record(fromA)], { clientId: 'device-A' });
    expect(pushedA.body.current_version).toBeLessThanOrEqual(cursorA);
    // Its next pull from that cursor brings B's change (and its own, harmlessly).
    const next = await pullAll('device-A', pushedA.body.current_version);
    expect(next.records.map((r: any) => r.observation_id)).toEqual(expect.arrayContaining([fromB, fromA]));
  });

  it('keeps the upstream current_version when nothing else happened since the device’s pull', async () => {
    const pulled = await pull(
      { client_id: 'device-C', since: { version: 0 } },
      { query: '?limit=1000', token: writer },
    );
    const pushed = await push([record(nextId())], { clientId: 'device-C' });
    expect(pushed.body.current_version).toBe(await counter());
    expect(pushed.body.current_version).toBeGreaterThan(pulled.body.current_version);
    // A second push in a row also keeps the counter: the device's own push moved its watermark.
    const again = await push([record(nextId())], { clientId: 'device-C' });
    expect(again.body.current_version).toBe(await counter());
  });
});

describe('repository generation', () => {
  it('adopts the server generation when none is sent and echoes it', async () => {
    const { body, headers } = await pull({ client_id: 'g0', since: { version: 0 } });
    expect(body.repository_generation).toBe(1);
    expect(headers.get('x-repository-generation')).toBe('1');
  });

  it('answers 409 repository_reset_required with the header for a mismatched body or header generation', async () => {
    const byBody = await pull({ client_id: 'g1', since: { version: 0 }, repository_generation: 4 });
    expect(byBody.status).toBe(409);
    expect(byBody.body.code).toBe('repository_reset_required');
    expect(byBody.body.error).toBe('repository generation mismatch');
    expect(byBody.headers.get('x-repository-generation')).toBe('1');
    const byHeader = await push([record(nextId())], { headers: { 'x-repository-generation': '7' } });
    expect(byHeader.status).toBe(409);
    expect(byHeader.body.code).toBe('repository_reset_required');
  });

  it('lets the header win over the body, and treats a non-numeric or zero header as not sent', async () => {
    expect(
      (await pull({ client_id: 'g2', repository_generation: 9 }, { headers: { 'x-repository-generation': '1' } }))
        .status,
    ).toBe(200);
    expect(
      (await pull({ client_id: 'g2', repository_generation: 9 }, { headers: { 'x-repository-generation': 'abc' } }))
        .status,
    ).toBe(200);
    expect(
      (await pull({ client_id: 'g2', repository_generation: 9 }, { headers: { 'x-repository-generation': '0' } }))
        .status,
    ).toBe(200);
    expect((await pull({ client_id: 'g2', repository_generation: -3 })).status).toBe(200);
    expect((await push([], { generation: 1 })).status).toBe(200);
  });
});

describe('presence side effects', () => {
  it('records the sync body client_id with the pull cursor and the push current_version', async () => {
    await pull({ client_id: 'formulus-presence', since: { version: 3 } }, { token: writer });
    await presence().drain();
    const afterPull = await getDb().userClientPresence.findUnique({
      where: { username_clientId: { username: 'collector', clientId: 'formulus-presence' } },
    });
    expect(afterPull?.lastDataVersion).toBe(3n);
    expect(afterPull?.lastOdeVersion).toBe('1.3.1');
    const pushed = await push([record(nextId())], { clientId: 'formulus-presence' });
    await presence().drain();
    const afterPush = await getDb().userClientPresence.findUnique({
      where: { username_clientId: { username: 'collector', clientId: 'formulus-presence' } },
    });
    expect(Number(afterPush?.lastDataVersion)).toBe(pushed.body.current_version);
  });
});

describe('who wrote each version', () => {
  it('stores the signed-in user, the client and the transmission with every written row', async () => {
    const ids = [nextId('w'), nextId('w')];
    const pushed = await push(
      ids.map((id) => record(id)),
      { clientId: 'writer-device', transmissionId: 'writer-tx-0001' },
    );
    expect(pushed.status).toBe(200);
    const rows = await getDb().$queryRaw<
      Array<{ written_by: string; written_client_id: string; written_transmission_id: string }>
    >`
      SELECT written_by, written_client_id, written_transmission_id FROM observations WHERE observation_id = ANY(${ids}) ORDER BY version`;
    expect(rows).toEqual(
      ids.map(() => ({
        written_by: 'collector',
        written_client_id: 'writer-device',
        written_transmission_id: 'writer-tx-0001',
      })),
    );
  });
});

describe('writer keys', () => {
  it('refuses a client_id longer than 255 characters with a 400', async () => {
    const { status, body } = await push([record(nextId())], { clientId: 'c'.repeat(256) });
    expect(status).toBe(400);
    expect(body.error).toContain('client_id');
  });
});
