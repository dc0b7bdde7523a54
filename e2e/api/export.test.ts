import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';
import { readZip } from '../support/zip';
import type { Readable } from 'node:stream';
import { ExportRepository, parseCopyText } from '@/server/db/repositories/export';
import { Prisma } from '@/server/db/generated/client';
import { sanitizeFileName } from '@/server/services/export/entries';
import { HELD_DATA_BYTES, parquetEntries } from '@/server/services/export/parquet';

let app: TestApp;
let reader: string;
beforeAll(async () => {
  app = await createTestApp();
  reader = await app.userToken('read-only');
});
afterAll(() => app.close());

async function download(path: string) {
  const response = await app.request('GET', path, { token: reader });
  return { response, entries: await readZip(Buffer.from(await response.arrayBuffer())) };
}

/** The Parquet files by name, a form type's rows held in memory when its data takes at most `heldDataBytes`. */
async function parquetFiles(heldDataBytes: number): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for await (const entry of parquetEntries(new ExportRepository(), heldDataBytes)) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry.content as Readable) chunks.push(chunk as Buffer);
    files.set(entry.name, Buffer.concat(chunks));
  }
  return files;
}

/** A form type's rows held in memory, or too many to hold and read a second time: the files are the same. */
async function expectHeldAndReadTwiceAlike(heldDataBytes = HELD_DATA_BYTES): Promise<void> {
  const held = await parquetFiles(heldDataBytes);
  const readTwice = await parquetFiles(0);
  expect([...readTwice.keys()]).toEqual([...held.keys()]);
  for (const [name, file] of held) expect(readTwice.get(name)!.equals(file), name).toBe(true);
}

/**
 * Inserts `count` generated observations, `row` giving each one's observation_id, form_type, form_version, data and
 * created_at from `i` (1 to count). Their versions follow the counter, taken at once as a push group takes them: the
 * per-row version trigger updates the counter row for each row, and in one statement that grows quadratically
 * (40,000 rows took 38 s).
 */
async function insertGenerated(count: number, row: Prisma.Sql): Promise<void> {
  await getDb().$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT set_config('synkronus.push_assigns_versions', 'on', true)`;
      await tx.$executeRaw`
        INSERT INTO observations (observation_id, form_type, form_version, data, created_at, version)
        SELECT ${row}, (SELECT current_version FROM sync_version WHERE id = 1) + i
          FROM generate_series(1, ${count}::int) AS i`;
      await tx.$executeRaw`UPDATE sync_version SET current_version = current_version + ${count}::int WHERE id = 1`;
    },
    { timeout: 60_000 },
  );
}

function toArrayBuffer(data: Buffer): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

describe('exports of an empty database', () => {
  it('are valid empty zips', async () => {
    for (const path of ['/api/dataexport/parquet', '/api/dataexport/raw-json']) {
      const { response, entries } = await download(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/zip');
      expect(entries).toEqual([]);
    }
  });
});

describe('with observations', () => {
  beforeAll(async () => {
    const admin = await app.adminToken();
    const record = (
      id: string,
      formType: string,
      createdAt: string,
      data: Record<string, unknown>,
      extra: Record<string, unknown> = {},
    ) => ({
      observation_id: id,
      form_type: formType,
      form_version: '2',
      created_at: createdAt,
      data,
      ...extra,
    });
    const push = await app.json('POST', '/api/sync/push', {
      token: admin,
      body: {
        transmission_id: 'export-seed',
        client_id: 'seed',
        records: [
          record(
            'h-2',
            'household',
            '2025-02-02T10:00:00Z',
            { size: 4.5, owner: true, name: 'B', extra: { rooms: [1, 2] } },
            { author: 'alice', tags: ['x'] },
          ),
          record(
            'h-1',
            'household',
            '2025-01-01T10:00:00Z',
            { size: 3, owner: false, name: 'A', extra: null },
            {
              geolocation: { latitude: 1.5, longitude: 2.5, accuracy: 3 },
            },
          ),
          record(
            'h-3',
            'household',
            '2025-03-03T10:00:00Z',
            { size: 'big', owner: null, name: 'C' },
            { deleted: true },
          ),
          record('v-1', 'visit/follow:up', '2025-01-05T10:00:00Z', { reason: 'check', score: 7 }),
          record('d-1', 'gone', '2025-01-05T10:00:00Z', { x: 1 }, { deleted: true }),
        ],
      },
    });
    expect(push.status).toBe(200);
  });

  it('Parquet: one file per form type with live rows, sanitised names, upstream headers', async () => {
    const { response, entries } = await download('/api/dataexport/parquet');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="observations_export.zip"');
    expect(entries.map((e) => e.name).sort()).toEqual(['household.parquet', 'visit_follow_up.parquet']);
  });

  it('Parquet: base columns then typed data_ columns, rows by created_at, deleted rows excluded', async () => {
    const { entries } = await download('/api/dataexport/parquet');
    const file = toArrayBuffer(entries.find((e) => e.name === 'household.parquet')!.data);
    const metadata = parquetMetadata(file);
    const columns = parquetSchema(metadata).children.map((child) => [child.element.name, child.element.type]);
    expect(columns).toEqual([
      ['observation_id', 'BYTE_ARRAY'],
      ['form_type', 'BYTE_ARRAY'],
      ['form_version', 'BYTE_ARRAY'],
      ['created_at', 'BYTE_ARRAY'],
      ['updated_at', 'BYTE_ARRAY'],
      ['synced_at', 'BYTE_ARRAY'],
      ['deleted', 'BOOLEAN'],
      ['version', 'INT64'],
      ['geolocation', 'BYTE_ARRAY'],
      ['author', 'BYTE_ARRAY'],
      ['device_id', 'BYTE_ARRAY'],
      ['tags', 'BYTE_ARRAY'],
      ['data_extra', 'BYTE_ARRAY'],
      ['data_name', 'BYTE_ARRAY'],
      ['data_owner', 'BOOLEAN'],
      ['data_size', 'DOUBLE'],
    ]);
    const rows = await parquetReadObjects({ file });
    expect(rows.map((row) => row.observation_id)).toEqual(['h-1', 'h-2']);
    expect(rows[0]).toMatchObject({
      data_size: 3,
      data_owner: false,
      data_name: 'A',
      data_extra: null,
      deleted: false,
      created_at: '2025-01-01T10:00:00Z',
    });
    expect(rows[1]).toMatchObject({
      data_size: 4.5,
      data_owner: true,
      data_extra: '{"rooms":[1,2]}',
      author: 'alice',
      tags: '["x"]',
    });
    expect(JSON.parse(rows[0].geolocation as string)).toEqual({ latitude: 1.5, longitude: 2.5, accuracy: 3 });
    expect(typeof rows[0].version).toBe('bigint');
  });

  it('raw JSON: <form_type>/<id>.json with the stored data verbatim, pretty-printed', async () => {
    const { response, entries } = await download('/api/dataexport/raw-json');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="observations_raw_json.zip"');
    expect(entries.map((e) => e.name).sort()).toEqual([
      'household/h-1.json',
      'household/h-2.json',
      'visit_follow_up/v-1.json',
    ]);
    const text = entries.find((e) => e.name === 'household/h-2.json')!.data.toString();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "observation_id": "h-2"');
    const record = JSON.parse(text);
    expect(record.data).toEqual({ size: 4.5, owner: true, name: 'B', extra: { rooms: [1, 2] } });
    expect(Object.keys(record).at(-1)).toBe('data');
    expect(record).toMatchObject({ form_type: 'household', deleted: false, author: 'alice', tags: ['x'] });
  });

  it('raw JSON: each entry is exactly the pretty-printed record and a newline, nothing else in the zip', async () => {
    const { entries } = await download('/api/dataexport/raw-json');
    expect(entries).toHaveLength(3);
    for (const entry of entries) {
      const text = entry.data.toString('utf8');
      expect(entry.data.equals(Buffer.from(JSON.stringify(JSON.parse(text), null, 2) + '\n'))).toBe(true);
    }
  });

  it('are allowed for read-only users and refused without a token', async () => {
    expect((await app.request('GET', '/api/dataexport/parquet')).status).toBe(401);
  });
});

describe('data keys of every shape', () => {
  beforeAll(async () => {
    // Backslashes, quotes, a newline and non-ASCII text go through COPY's escaping; `constructor` is also a name
    // every JS object inherits; data that is not an object has no keys; a key only ever null is STRING.
    await getDb().$executeRaw`
      INSERT INTO observations (observation_id, form_type, form_version, data, created_at)
      VALUES ('e-1', 'edge', '1', ${JSON.stringify({
        'a\\b': 'line\nbreak "q" \\ back',
        n: 1,
        mixed: 1,
        nul: null,
        u: 'ü✓😀',
        constructor: 'x',
      })}::jsonb, '2025-05-01T00:00:00Z'),
             ('e-2', 'edge', '1', ${JSON.stringify({ n: 2.5, mixed: 'two', nul: null, obj: { k: [1, 'a\\b'] } })}::jsonb,
              '2025-05-02T00:00:00Z'),
             ('e-3', 'edge', '1', '[1, 2]', '2025-05-03T00:00:00Z')`;
  });

  it('are typed by every live value and read back as stored', async () => {
    const { entries } = await download('/api/dataexport/parquet');
    const file = toArrayBuffer(entries.find((e) => e.name === 'edge.parquet')!.data);
    const columns = parquetSchema(parquetMetadata(file)).children.map((child) => [
      child.element.name,
      child.element.type,
    ]);
    expect(columns.slice(12)).toEqual([
      ['data_a\\b', 'BYTE_ARRAY'],
      ['data_constructor', 'BYTE_ARRAY'],
      ['data_mixed', 'BYTE_ARRAY'],
      ['data_n', 'DOUBLE'],
      ['data_nul', 'BYTE_ARRAY'],
      ['data_obj', 'BYTE_ARRAY'],
      ['data_u', 'BYTE_ARRAY'],
    ]);
    const rows = await parquetReadObjects({ file });
    const data = rows.map((row) =>
      Object.fromEntries(Object.entries(row).filter(([name]) => name.startsWith('data_'))),
    );
    expect(data).toEqual([
      {
        'data_a\\b': 'line\nbreak "q" \\ back',
        data_constructor: 'x',
        data_mixed: '1',
        data_n: 1,
        data_nul: null,
        data_obj: null,
        data_u: 'ü✓😀',
      },
      {
        'data_a\\b': null,
        data_constructor: null,
        data_mixed: 'two',
        data_n: 2.5,
        data_nul: null,
        data_obj: '{"k":[1,"a\\\\b"]}',
        data_u: null,
      },
      {
        'data_a\\b': null,
        data_constructor: null,
        data_mixed: null,
        data_n: null,
        data_nul: null,
        data_obj: null,
        data_u: null,
      },
    ]);
  });
});

describe('text that COPY escapes, in every text column', () => {
  // Tabs, newlines and backslashes are escaped by COPY's text format, `\N` is its null marker, and UTF-8 may be
  // split between chunks: each must read back as stored.
  const odd = 'tab\there\\N \\ \r\n\b\f\v "q" ü✓😀';
  beforeAll(async () => {
    await getDb().$executeRaw`
      INSERT INTO observations (observation_id, form_type, form_version, data, created_at, synced_at, geolocation,
                                author, device_id, tags)
      VALUES (${`id ${odd}`}, 'escapes', ${`v ${odd}`}, ${JSON.stringify({ [`k ${odd}`]: odd, '\\N': '\\N' })}::jsonb,
              '2025-06-01T00:00:00.123456Z', '2025-06-02T03:04:05.5Z', ${JSON.stringify({ note: odd, latitude: 1 })}::jsonb,
              ${odd}, ${'\\N'}, ${[odd, '\\N', '']}::text[]),
             ('plain', 'escapes', '1', '{}', '2025-06-03T00:00:00Z', NULL, NULL, NULL, NULL, NULL)`;
  });

  it('read back as stored; SQL NULL as null', async () => {
    const { entries } = await download('/api/dataexport/parquet');
    const rows = await parquetReadObjects({
      file: toArrayBuffer(entries.find((e) => e.name === 'escapes.parquet')!.data),
    });
    expect(rows).toHaveLength(2);
    const { geolocation, version, updated_at, ...rest } = rows[0];
    expect(JSON.parse(geolocation as string)).toEqual({ note: odd, latitude: 1 });
    expect(typeof version).toBe('bigint');
    expect(updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(rest).toEqual({
      observation_id: `id ${odd}`,
      form_type: 'escapes',
      form_version: `v ${odd}`,
      created_at: '2025-06-01T00:00:00.123456Z',
      synced_at: '2025-06-02T03:04:05.5Z',
      deleted: false,
      author: odd,
      device_id: '\\N',
      tags: JSON.stringify([odd, '\\N', '']),
      [`data_k ${odd}`]: odd,
      'data_\\N': '\\N',
    });
    expect(rows[1]).toMatchObject({
      observation_id: 'plain',
      created_at: '2025-06-03T00:00:00Z',
      synced_at: null,
      geolocation: null,
      author: null,
      device_id: null,
      tags: null,
      [`data_k ${odd}`]: null,
    });
  });
});

describe('content pushed with U+0000', () => {
  // The push stores U+0000 and the marker U+E000 escaped (server/services/sync/nul-escape.ts): the file must hold
  // what the device sent, in keys, values, nested values and the geolocation.
  const M = '\uE000';
  beforeAll(async () => {
    const push = await app.json('POST', '/api/sync/push', {
      token: await app.adminToken(),
      body: {
        transmission_id: 'export-nul',
        client_id: 'seed-nul',
        records: [
          {
            observation_id: 'nul-1',
            form_type: 'nul',
            form_version: '1',
            created_at: '2025-07-01T00:00:00Z',
            data: { 'k\u0000': 'a\u0000b', marker: `${M}e${M}0`, nested: { deep: ['x\u0000'] } },
            geolocation: { latitude: 1, note: 'g\u0000' },
          },
        ],
      },
    });
    expect(push.status).toBe(200);
  });

  it('reads back as pushed in the Parquet file and in the raw JSON', async () => {
    const { entries } = await download('/api/dataexport/parquet');
    const file = toArrayBuffer(entries.find((e) => e.name === 'nul.parquet')!.data);
    const [row] = await parquetReadObjects({ file });
    expect(row).toMatchObject({
      'data_k\u0000': 'a\u0000b',
      data_marker: `${M}e${M}0`,
      data_nested: JSON.stringify({ deep: ['x\u0000'] }),
    });
    expect(JSON.parse(row.geolocation as string)).toEqual({ latitude: 1, note: 'g\u0000' });
    const raw = await download('/api/dataexport/raw-json');
    const record = JSON.parse(raw.entries.find((e) => e.name === 'nul/nul-1.json')!.data.toString());
    expect(record.data).toEqual({ 'k\u0000': 'a\u0000b', marker: `${M}e${M}0`, nested: { deep: ['x\u0000'] } });
  });
});

describe('names that sanitise alike', () => {
  beforeAll(async () => {
    await getDb().$executeRaw`
      INSERT INTO observations (observation_id, form_type, form_version, data, created_at)
      VALUES ('x:1', 'a/b', '1', '{}', '2025-04-01T00:00:00Z'), ('x_1', 'a_b', '1', '{}', '2025-04-02T00:00:00Z'),
             ('x*1', 'a_b', '1', '{}', '2025-04-03T00:00:00Z')`;
  });

  it('keep the unchanged name and number the changed ones', async () => {
    const parquet = (await download('/api/dataexport/parquet')).entries.map((e) => e.name);
    expect(parquet.filter((name) => name.startsWith('a_b'))).toEqual(['a_b_2.parquet', 'a_b.parquet']);
    const rawJson = (await download('/api/dataexport/raw-json')).entries.map((e) => e.name);
    expect(rawJson.filter((name) => name.startsWith('a_b/'))).toEqual([
      'a_b/x_1_2.json',
      'a_b/x_1.json',
      'a_b/x_1_3.json',
    ]);
  });
});

describe('every form type above', () => {
  it('has the same Parquet file whether its rows were held while typed or read a second time', async () => {
    await expectHeldAndReadTwiceAlike();
  });
});

describe('data that PostgreSQL stores compressed', () => {
  beforeAll(async () => {
    await getDb().$executeRaw`
      INSERT INTO observations (observation_id, form_type, form_version, data, created_at)
      SELECT 'squeezed-' || i, 'squeezed', '1', jsonb_build_object('n', i, 'text', repeat('ab', 50000)),
             timestamptz '2025-06-01' + i * interval '1 second'
        FROM generate_series(1, 40) AS i`;
  });
  afterAll(() => getDb().$executeRaw`DELETE FROM observations WHERE form_type = 'squeezed'`);

  it('is read a second time when its text outgrows what its stored size let the export hold', async () => {
    const [{ stored, text }] = await getDb().$queryRaw<Array<{ stored: number; text: number }>>`
      SELECT sum(pg_column_size(data))::int AS stored, sum(length(data::text))::int AS text
        FROM observations WHERE form_type = 'squeezed'`;
    // 1 MB lets the export hold it (stored size), then its text passes the 2 M characters it may hold.
    expect(stored).toBeLessThan(1_000_000);
    expect(text).toBeGreaterThan(2 * 1024 * 1024);
    await expectHeldAndReadTwiceAlike(1024 * 1024);
  });
});

describe('a failure mid-stream', () => {
  beforeAll(async () => {
    await getDb().$executeRaw`DELETE FROM observations`;
    await insertGenerated(
      40000,
      Prisma.sql`'bulk-' || i, 'bulk', '1', jsonb_build_object('n', i, 'note', repeat('x', 50)),
                 timestamptz '2025-01-01' + i * interval '1 second'`,
    );
  });

  it('a client that leaves after the first chunk frees the export; two raw JSON exports at once both complete', async () => {
    const left = await app.request('GET', '/api/dataexport/raw-json', { token: reader });
    const body = left.body!.getReader();
    expect((await body.read()).done).toBe(false);
    await body.cancel();
    const zips = await Promise.all(
      [1, 2].map(async () =>
        Buffer.from(await (await app.request('GET', '/api/dataexport/raw-json', { token: reader })).arrayBuffer()),
      ),
    );
    // Same length, not same bytes: each entry carries the time it was written.
    expect(zips[0].length).toBe(zips[1].length);
    const entries = await readZip(zips[0]);
    expect(entries).toHaveLength(40000);
    expect(entries[0].name).toBe('bulk/bulk-1.json');
  });

  it('Parquet of many rows (read while the writer works) has every row once, in order, in row groups of 10,000', async () => {
    const { entries } = await download('/api/dataexport/parquet');
    const file = toArrayBuffer(entries.find((e) => e.name === 'bulk.parquet')!.data);
    expect(parquetMetadata(file).row_groups.map((group) => Number(group.num_rows))).toEqual([
      10000, 10000, 10000, 10000,
    ]);
    const rows = await parquetReadObjects({ file, columns: ['observation_id', 'data_n'] });
    expect(rows).toHaveLength(40000);
    rows.forEach((row, i) => expect(row).toEqual({ observation_id: `bulk-${i + 1}`, data_n: i + 1 }));
    await expectHeldAndReadTwiceAlike();
  });

  it('Parquet row groups carry the min and max of created_at and version, the columns that follow the file order', async () => {
    const { entries } = await download('/api/dataexport/parquet');
    const file = toArrayBuffer(entries.find((e) => e.name === 'bulk.parquet')!.data);
    const rows = await parquetReadObjects({ file, columns: ['created_at', 'version'] });
    parquetMetadata(file).row_groups.forEach((group, g) => {
      const groupRows = rows.slice(g * 10000, (g + 1) * 10000);
      const range = (values: Array<string | bigint>) => ({
        min_value: values.reduce((a, b) => (b < a ? b : a)),
        max_value: values.reduce((a, b) => (b > a ? b : a)),
      });
      const statistics = Object.fromEntries(
        group.columns.map((column) => [column.meta_data!.path_in_schema.join('.'), column.meta_data!.statistics]),
      );
      expect(statistics.created_at).toMatchObject(range(groupRows.map((row) => row.created_at)));
      expect(statistics.version).toMatchObject(range(groupRows.map((row) => row.version)));
      const others = Object.keys(statistics).filter((name) => name !== 'created_at' && name !== 'version');
      expect(others).toContain('data_n');
      for (const name of others) expect(statistics[name], name).toBeUndefined();
    });
  });

  it('aborts the Parquet export instead of ending it as complete when its database connection is lost', async () => {
    // More data than the export holds in memory, so the rows are read a second time while the file is written. Each
    // read of the client lets the export write a row group or two ahead (10,000 rows, 4 MB of data); then it waits
    // for the client in the middle of the first form type's rows, its second COPY open with far more to send than
    // sockets buffer.
    await insertGenerated(
      100000,
      Prisma.sql`'big-' || i, 'abig', '1',
                 jsonb_build_object('text', repeat(md5(i::text), 13)),
                 timestamptz '2025-01-01' + i * interval '1 second'`,
    );
    const response = await app.request('GET', '/api/dataexport/parquet', { token: reader });
    expect(response.status).toBe(200);
    const body = response.body!.getReader();
    try {
      expect((await body.read()).done).toBe(false);
      const blockedCopy = () => getDb().$queryRaw<Array<{ pid: number }>>`
        SELECT pid FROM pg_stat_activity
         WHERE query LIKE 'COPY (SELECT observation_id,%' AND state IN ('active', 'idle in transaction')`;
      let blocked = await blockedCopy();
      for (let tries = 0; blocked.length === 0 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        blocked = await blockedCopy();
      }
      expect(blocked).toHaveLength(1);
      await getDb().$executeRaw`SELECT pg_terminate_backend(${blocked[0].pid}::int)`;
      await expect(readToEnd(body)).rejects.toThrow();
    } finally {
      await body.cancel().catch(() => undefined);
      await getDb().$executeRaw`DELETE FROM observations WHERE form_type = 'abig'`;
    }
  });

  // Renaming the table makes the next page query fail.
  it('aborts the raw JSON export instead of ending it as complete', async () => {
    const response = await app.request('GET', '/api/dataexport/raw-json', { token: reader });
    expect(response.status).toBe(200);
    const body = response.body!.getReader();
    expect((await body.read()).done).toBe(false);
    await getDb().$executeRaw`ALTER TABLE observations RENAME TO observations_away`;
    try {
      await expect(readToEnd(body)).rejects.toThrow();
    } finally {
      await getDb().$executeRaw`ALTER TABLE observations_away RENAME TO observations`;
    }
  });
});

async function readToEnd(body: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  while (!(await body.read()).done);
}

describe('file name sanitising', () => {
  it('maps / \\ : * ? " < > | to _ and caps at 100 characters', () => {
    expect(sanitizeFileName('a/b\\c:d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(sanitizeFileName('x'.repeat(150))).toHaveLength(100);
    expect(sanitizeFileName('')).toBe('unknown');
  });
});

describe('COPY text format parsing', () => {
  it('splits rows and fields, undoes every escape and reads \\N as null', () => {
    const text = ['a\tb\\tc\t\\N', '\\\\N\t\\b\\f\\n\\r\\t\\v\\\\\t', 'ü✓😀\t\\\\\\\\x\t\\N\\N'].join('\n');
    expect(parseCopyText(text)).toEqual([
      ['a', 'b\tc', null],
      ['\\N', '\b\f\n\r\t\v\\', ''],
      ['ü✓😀', '\\\\x', 'NN'],
    ]);
  });

  it('reads a row of one empty field', () => {
    expect(parseCopyText('')).toEqual([['']]);
  });
});
