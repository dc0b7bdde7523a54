import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '@/server/db/migrate';
import { createDatabase, dropDatabase } from '../support/postgres';

const created: string[] = [];
afterAll(async () => {
  for (const url of created) await dropDatabase(url);
});

async function emptyDatabase(): Promise<string> {
  const url = await createDatabase({ fromTemplate: false });
  created.push(url);
  return url;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  it('apply every folder once, record Prisma checksums, and a second run is a no-op', async () => {
    const url = await emptyDatabase();
    const all = readMigrations();
    expect(await migrate(url)).toEqual(all.map((m) => m.name));
    expect(await migrate(url)).toEqual([]);
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date }>(
      url,
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(all.map((m) => [m.name, m.checksum]));
    expect(rows.every((r) => r.finished_at)).toBe(true);
  });

  it('two migrators racing on one empty database both succeed and apply each migration once', async () => {
    const url = await emptyDatabase();
    const [a, b] = await Promise.all([migrate(url), migrate(url)]);
    expect([...a, ...b].sort()).toEqual(readMigrations().map((m) => m.name));
    const [{ count }] = await query<{ count: string }>(url, 'SELECT count(*) FROM _prisma_migrations');
    expect(Number(count)).toBe(readMigrations().length);
  });

  it('leave the observation content out of ANALYZE, which no query plan uses', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    await query(
      url,
      `INSERT INTO observations (observation_id, form_type, form_version, data)
       SELECT 'o' || i, 'survey', '1', jsonb_build_object('n', i) FROM generate_series(1, 200) AS i`,
    );
    await query(url, 'ANALYZE observations');
    const stats = await query<{ attname: string }>(
      url,
      "SELECT attname FROM pg_stats WHERE tablename = 'observations' AND attname IN ('data', 'form_type')",
    );
    expect(stats.map((s) => s.attname)).toEqual(['form_type']);
  });

  it('index observations only where a query reads them: the key, version, form type, live rows', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const indexes = await query<{ indexname: string }>(
      url,
      "SELECT indexname FROM pg_indexes WHERE tablename = 'observations' ORDER BY indexname",
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'idx_observations_created_at_live',
      'idx_observations_export_keyset',
      'idx_observations_form_type',
      'idx_observations_version',
      'observations_pkey',
    ]);
  });

  it('create the upstream tables, triggers and the shared change counter', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const tables = await query<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'attachment_operations',
        'observations',
        'sync_version',
        'user_client_presence',
        'users',
      ]),
    );
    const [counter] = await query<{ current_version: string; repository_generation: string }>(
      url,
      'SELECT current_version, repository_generation FROM sync_version',
    );
    expect(counter).toEqual({ current_version: '1', repository_generation: '1' });
    await query(
      url,
      `INSERT INTO observations (observation_id, form_type, form_version, data) VALUES ('o1', 'survey', '1', '{}')`,
    );
    await query(
      url,
      `INSERT INTO attachment_operations (attachment_id, operation, version) VALUES ('a.jpg', 'create', 0)`,
    );
    const [after] = await query<{ current_version: string }>(url, 'SELECT current_version FROM sync_version');
    expect(after.current_version).toBe('3');
    const [row] = await query<{ version: string }>(url, "SELECT version FROM observations WHERE observation_id = 'o1'");
    expect(row.version).toBe('2');
  });
});
