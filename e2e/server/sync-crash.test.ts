import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server';
import { createDatabase, dropDatabase } from '../support/postgres';

/** A push killed half-way through leaves nothing behind: the batch is one transaction. */

let databaseUrl: string;
let server: RunningServer | undefined;
let db: pg.Client;
beforeAll(async () => {
  databaseUrl = await createDatabase();
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await server?.kill();
  await db.end();
  await dropDatabase(databaseUrl);
});

async function counter(): Promise<number> {
  return Number((await db.query('SELECT current_version FROM sync_version')).rows[0].current_version);
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a 1,000-record push killed half-way', () => {
  it('stores none of its records and does not move the counter', async () => {
    server = await startServer({ env: { DB_CONNECTION: databaseUrl } });
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'x-ode-version': '1.3.1', 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin' }),
    });
    const { token } = await login.json();

    // Record 500 already exists and another session holds its row: the push's upsert stops there, half done.
    await db.query(
      `INSERT INTO observations (observation_id, form_type, form_version, data) VALUES ('crash-0500', 'survey', '1', '{"before":true}')`,
    );
    const before = await counter();
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM observations WHERE observation_id = 'crash-0500' FOR UPDATE`);

    const records = Array.from({ length: 1000 }, (_, i) => ({
      observation_id: `crash-${String(i).padStart(4, '0')}`,
      form_type: 'survey',
      form_version: '1',
      data: { i },
    }));
    const pushing = fetch(`${server.url}/api/sync/push`, {
      method: 'POST',
      headers: { 'x-ode-version': '1.3.1', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ transmission_id: 'CrashTest0000001', client_id: 'crash-device', records }),
    }).catch((err: Error) => err);

    await waitFor(async () => {
      const waiting = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%sync_push_group%'`,
      );
      return waiting.rowCount! > 0;
    }, 'the push to block half-way');

    await server.kill();
    expect(await pushing).toBeInstanceOf(Error);
    await blocker.query('ROLLBACK');
    await blocker.end();
    await waitFor(async () => {
      const busy = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
      return busy.rowCount === 0;
    }, 'the killed server’s transaction to end');

    const stored = await db.query(`SELECT observation_id, data FROM observations WHERE observation_id LIKE 'crash-%'`);
    expect(stored.rows).toEqual([{ observation_id: 'crash-0500', data: { before: true } }]);
    expect(await counter()).toBe(before);
  });
});
