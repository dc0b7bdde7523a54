import { getDb, type Db } from '@/server/db/client';

/** A live fixed window: events counted so far and the milliseconds until it ends. */
export interface WindowState {
  count: number;
  msLeft: number;
}

/**
 * Fixed counting windows in PostgreSQL, shared by every instance. Each statement reads and writes one key
 * atomically, so concurrent requests on any instance never lose a count. Times are the database's.
 */
export class LimiterWindowRepository {
  /** Without a client, each call uses the process's current one: the limiter outlives reconnects. */
  constructor(private readonly client?: Db) {}

  private get db(): Db {
    return this.client ?? getDb();
  }

  async live(key: string): Promise<WindowState | undefined> {
    const [row] = await this.db.$queryRaw<Array<{ count: number; ms_left: number }>>`
      SELECT count, (extract(epoch FROM reset_at - now()) * 1000)::float8 AS ms_left
      FROM auth_limiter_windows WHERE key = ${key} AND reset_at > now()`;
    return row && { count: row.count, msLeft: row.ms_left };
  }

  async liveKeyCount(): Promise<number> {
    const [row] = await this.db.$queryRaw<
      Array<{ n: number }>
    >`SELECT count(*)::int AS n FROM auth_limiter_windows WHERE reset_at > now()`;
    return row.n;
  }

  /**
   * Counts one event for `key`, opening a new window of `windowMs` when none is live. A key without a row is
   * only added while fewer than `maxKeys` windows are live: undefined then means "no room".
   */
  async hit(key: string, windowMs: number, maxKeys: number): Promise<WindowState | undefined> {
    const seconds = windowMs / 1000;
    const [row] = await this.db.$queryRaw<Array<{ count: number; ms_left: number }>>`
      INSERT INTO auth_limiter_windows AS w (key, count, reset_at)
      SELECT ${key}, 1, now() + make_interval(secs => ${seconds}::float8)
      WHERE EXISTS (SELECT 1 FROM auth_limiter_windows WHERE key = ${key})
         OR (SELECT count(*) FROM auth_limiter_windows WHERE reset_at > now()) < ${maxKeys}
      ON CONFLICT (key) DO UPDATE SET
        count    = CASE WHEN w.reset_at <= now() THEN 1 ELSE w.count + 1 END,
        reset_at = CASE WHEN w.reset_at <= now() THEN EXCLUDED.reset_at ELSE w.reset_at END
      RETURNING count, (extract(epoch FROM reset_at - now()) * 1000)::float8 AS ms_left`;
    return row && { count: row.count, msLeft: row.ms_left };
  }

  async removeExpired(): Promise<void> {
    await this.db.$executeRaw`DELETE FROM auth_limiter_windows WHERE reset_at <= now()`;
  }
}
