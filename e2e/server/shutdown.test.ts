import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server';
import { createDatabase, dropDatabase } from '../support/postgres';

/** SIGTERM in the middle of a stream of pushes: every push answered 200 is stored whole, the others not at all. */

const RECORDS_PER_PUSH = 200;
const PUSHERS = 4;

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

interface Outcome {
  transmission: string;
  acknowledged: boolean;
}

describe('graceful shutdown', () => {
  it('keeps metrics off by default, finishes pushes in flight, and stores nothing of the refused ones', async () => {
    server = await startServer({ env: { DB_CONNECTION: databaseUrl, SYNKRONUS_SHUTDOWN_GRACE_SECONDS: '20' } });
    const url = server.url;
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'x-ode-version': '1.3.1', 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin' }),
    });
    const { token } = (await login.json()) as { token: string };

    const outcomes: Outcome[] = [];
    let stopping = false;
    const pusher = async (worker: number) => {
      for (let n = 0; n < 5000; n++) {
        const transmission = `w${worker}-p${n}`;
        const records = Array.from({ length: RECORDS_PER_PUSH }, (_, i) => ({
          observation_id: `${transmission}-r${i}`,
          form_type: 'shutdown',
          form_version: '1',
          data: { transmission, i, text: 'x'.repeat(200) },
        }));
        const acknowledged = await fetch(`${url}/api/sync/push`, {
          method: 'POST',
          headers: { 'x-ode-version': '1.3.1', 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ transmission_id: transmission, client_id: `device-${worker}`, records }),
        }).then(
          async (response) =>
            response.status === 200 &&
            ((await response.json()) as { success_count: number }).success_count === RECORDS_PER_PUSH,
          () => false,
        );
        outcomes.push({ transmission, acknowledged });
        if (!acknowledged && stopping) return;
      }
    };
    const pushing = Promise.all(Array.from({ length: PUSHERS }, (_, worker) => pusher(worker)));
    while (outcomes.filter((o) => o.acknowledged).length < 8) await new Promise((resolve) => setTimeout(resolve, 20));
    stopping = true;
    const exitCode = await server.stop();
    await pushing;
    server = undefined;
    expect(exitCode).toBe(0);

    const acknowledged = outcomes.filter((o) => o.acknowledged);
    const refused = outcomes.filter((o) => !o.acknowledged);
    expect(acknowledged.length).toBeGreaterThanOrEqual(8);
    expect(refused.length).toBeGreaterThanOrEqual(PUSHERS);
    const stored = await db.query<{ transmission: string; count: string }>(
      `SELECT data->>'transmission' AS transmission, count(*) FROM observations WHERE form_type = 'shutdown' GROUP BY 1`,
    );
    const counts = new Map(stored.rows.map((row) => [row.transmission, Number(row.count)]));
    for (const outcome of acknowledged)
      expect(counts.get(outcome.transmission), outcome.transmission).toBe(RECORDS_PER_PUSH);
    for (const outcome of refused) expect(counts.get(outcome.transmission), outcome.transmission).toBeUndefined();
  });
});
