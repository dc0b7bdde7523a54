import crypto from 'node:crypto';
import type pg from 'pg';
import { databaseUrl } from '@/server/db/client';
import { connectionsClosed, createPool } from '@/server/db/pools';
import { logger } from '@/server/logger';

/**
 * Cross-instance mutual exclusion: a PostgreSQL session advisory lock held on a connection of its own for the
 * duration of a task. A process that dies mid-task drops its connection and with it the lock, so a crash never
 * leaves a lock behind. Used where work outside the database (object uploads) must not interleave.
 */

/** Names the first half of each lock key, apart from Prisma's migration lock and anything else. */
export const LOCK_NAMESPACE = 0x53594e4b; // "SYNK"

const holder = globalThis as unknown as { __synkronusLockPool?: { url: string; pool: pg.Pool } };

function lockPool(): pg.Pool {
  const url = databaseUrl();
  if (holder.__synkronusLockPool?.url !== url) {
    void holder.__synkronusLockPool?.pool.end();
    const pool = createPool({ connectionString: url, max: 8, idleTimeoutMillis: 30_000 });
    // An idle connection closed by the server (restart, dropped test database) is simply replaced.
    pool.on('error', (err) => logger.warn('lock connection closed', { error: err.message }));
    holder.__synkronusLockPool = { url, pool };
  }
  return holder.__synkronusLockPool.pool;
}

/** The second half of the key: 32 bits of the name's SHA-256 (a collision only serialises two unrelated tasks). */
function lockKey(name: string): number {
  return crypto.createHash('sha256').update(name).digest().readInt32BE(0);
}

export async function withAdvisoryLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const client = await lockPool().connect();
  let healthy = true;
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lockKey(name)]);
    try {
      return await task();
    } finally {
      await client
        .query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockKey(name)])
        .catch(() => (healthy = false));
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: it is closed, not reused.
    client.release(!healthy);
  }
}

export async function closeLockPool(): Promise<void> {
  const current = holder.__synkronusLockPool;
  holder.__synkronusLockPool = undefined;
  if (!current) return;
  await current.pool.end();
  await connectionsClosed(current.pool);
}
