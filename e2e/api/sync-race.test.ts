import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';

/**
 * Tries hard to make a pull skip a change: devices push (new records and updates of each other's records) and
 * pull concurrently with random pauses, readers page through with tiny pages, and a second "server instance"
 * writes pushes on its own connection, keeping its transaction open a while before committing so that pulls run
 * while versions are taken but not yet visible. Devices keep the push answer's current_version as their next
 * cursor, as Formulus does. At the end every device and reader catches up from its own cursor, and its copy must
 * equal the database write for write (each write carries a unique number in its data).
 */

const DEVICES = 5;
const READERS = 3;
const ROUNDS = 12;
const SHARED_IDS = 30;

let app: TestApp;
let writer: string;
let reader: string;
beforeAll(async () => {
  app = await createTestApp();
  writer = await app.userToken('read-write', 'racer');
  reader = await app.userToken('read-only', 'watcher');
});
afterAll(() => app.close());

const pause = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];
let sequence = 0;

function record(id: string, by: string) {
  return {
    observation_id: id,
    form_type: pick(['a', 'b', 'c']),
    form_version: '1',
    data: { by, n: ++sequence },
    deleted: Math.random() < 0.1,
  };
}

/** Some new ids, some ids every device updates (each id once, as the service leaves a batch). */
function batch(device: string): ReturnType<typeof record>[] {
  const ids = Array.from({ length: 1 + Math.floor(Math.random() * 8) }, () =>
    Math.random() < 0.5 ? `shared-${Math.floor(Math.random() * SHARED_IDS)}` : `${device}-${++sequence}`,
  );
  return [...new Set(ids)].map((id) => record(id, device));
}

/** A client's copy of the repository: id → the unique number of the write it holds. */
class Replica {
  readonly writes = new Map<string, number>();
  cursor = 0;
  constructor(
    readonly clientId: string,
    readonly token: string,
  ) {}

  async catchUp(limit: number, pauseMs = 0): Promise<void> {
    for (;;) {
      const { status, body } = await app.json('POST', `/api/sync/pull?limit=${limit}`, {
        token: this.token,
        body: { client_id: this.clientId, since: { version: this.cursor } },
      });
      expect(status).toBe(200);
      for (const r of body.records) this.writes.set(r.observation_id, r.data.n);
      this.cursor = body.change_cutoff;
      if (!body.has_more) return;
      await pause(pauseMs);
    }
  }
}

async function device(replica: Replica): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    await replica.catchUp(1 + Math.floor(Math.random() * 10), 5);
    await pause(10);
    const records = batch(replica.clientId);
    const { status, body } = await app.json('POST', '/api/sync/push', {
      token: writer,
      body: { transmission_id: `${replica.clientId}-${round}`, client_id: replica.clientId, records },
    });
    expect(status).toBe(200);
    for (const r of records) replica.writes.set(r.observation_id, r.data.n);
    // Formulus keeps the answer's current_version as its next pull cursor.
    replica.cursor = body.current_version;
    await pause(10);
  }
}

async function readerLoop(replica: Replica, until: () => boolean): Promise<void> {
  while (!until()) {
    await replica.catchUp(1 + Math.floor(Math.random() * 4), 3);
    await pause(15);
  }
}

/** Another server instance: pushes on its own connection, holding each transaction open a while before commit. */
async function otherInstance(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let round = 0; round < ROUNDS * 2; round++) {
      const pushes = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, (_, i) => ({
        client_id: 'other-instance',
        transmission_id: `other-${round}-${i}`,
        sha256: `${round}-${i}`,
        username: 'racer',
        records: batch('other'),
        response: { success_count: 1 },
      }));
      await client.query('BEGIN');
      const { rows } = await client.query('SELECT sync_push_group($1::jsonb) AS results', [JSON.stringify(pushes)]);
      expect(rows[0].results.filter((r: object) => !('response' in r))).toEqual([]);
      await pause(40);
      await client.query('COMMIT');
      await pause(10);
    }
  } finally {
    await client.end();
  }
}

describe('no change is ever skipped under concurrent pushes and pulls', () => {
  it('leaves every device and reader with exactly the database’s writes', { timeout: 180_000 }, async () => {
    const devices = Array.from({ length: DEVICES }, (_, i) => new Replica(`racer-device-${i}`, writer));
    const readers = Array.from({ length: READERS }, (_, i) => new Replica(`watcher-${i}`, reader));
    let writing = true;
    const readersDone = Promise.all(readers.map((replica) => readerLoop(replica, () => !writing)));
    await Promise.all([...devices.map(device), otherInstance(app.databaseUrl)]);
    writing = false;
    await readersDone;

    const db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ observation_id: string; n: number }>(
      `SELECT observation_id, (data->>'n')::int AS n FROM observations`,
    );
    const { rows: written } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM observations WHERE written_by = 'racer' AND written_client_id IS NOT NULL AND written_transmission_id IS NOT NULL`,
    );
    await db.end();
    const truth = new Map(rows.map((row) => [row.observation_id, row.n]));
    expect(truth.size).toBeGreaterThan(SHARED_IDS);
    expect(written[0].n).toBe(truth.size);

    for (const replica of [...devices, ...readers]) {
      await replica.catchUp(7);
      expect(replica.writes, replica.clientId).toEqual(truth);
    }
  });
});
