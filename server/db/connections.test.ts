import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '@/server/config';
import { disconnectDb, getDb } from '@/server/db/client';
import { closeLockPool, withAdvisoryLock } from '@/server/db/locks';
import { adminUrl, createDatabase, dropDatabase } from '@/e2e/support/postgres';

let databaseUrl: string;
const admin = new pg.Client({ connectionString: adminUrl() });
beforeAll(async () => {
  databaseUrl = await createDatabase();
  Object.assign(process.env, { DATABASE_URL: databaseUrl });
  resetConfig();
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await dropDatabase(databaseUrl);
});

/** The backends serving this file's database (the admin connection is on another). */
async function backends(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
    [new URL(databaseUrl).pathname.slice(1)],
  );
  return rows.map((row) => row.pid);
}

const settled = (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 300))]);

/**
 * The shutdown stops the embedded database straight after closing the pools. A connection still closing then got
 * "terminating connection due to administrator command" (logged as a failure), once in a few stops: pg-pool's end()
 * resolves when its connections are asked to close. Here each pool's one backend is paused, so that its connection
 * cannot close until it resumes.
 */
describe('closing a connection pool', () => {
  it.each([
    ['the lock pool', () => withAdvisoryLock('connections-test', async () => undefined), closeLockPool],
    ['the pool of Prisma and the sync paths', () => getDb().$queryRaw`SELECT 1`, disconnectDb],
  ])('%s resolves once its connections are closed', async (_, open, close) => {
    await open();
    const [backend] = await backends();
    process.kill(backend, 'SIGSTOP');
    const closing = close();
    try {
      expect(await settled(closing)).toBe(false);
    } finally {
      process.kill(backend, 'SIGCONT');
    }
    expect(await settled(closing)).toBe(true);
    expect(await backends()).toEqual([]);
  });
});
