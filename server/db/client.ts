import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/server/db/generated/client';
import { getConfig } from '@/server/config';
import { logger } from '@/server/logger';
import { connectionsClosed, createPool } from '@/server/db/pools';

export type Db = PrismaClient;

interface Connections {
  url: string;
  client: PrismaClient;
  /**
   * One pool for the whole process: Prisma's adapter runs on it, and the sync hot paths use it as plain `pg`
   * (one statement per push group or pull page, no ORM decoding). Metrics report its use.
   */
  pool: pg.Pool;
}

const holder = globalThis as unknown as { __synkronusPrisma?: Connections };

export function databaseUrl(): string {
  const url = getConfig().databaseUrl;
  if (!url) throw new Error('no database URL: the server entry point starts the embedded database first');
  return url;
}

/** One Prisma client and its `pg` pool per process (and per database URL, which tests change between files). */
function connections(): Connections {
  const url = databaseUrl();
  if (holder.__synkronusPrisma?.url !== url) {
    void holder.__synkronusPrisma?.client.$disconnect();
    const pool = createPool({
      connectionString: url,
      max: 10,
      idleTimeoutMillis: 60_000,
      // Timestamps are read as PostgreSQL's text (the pull's, Prisma's), whose form DateStyle sets: a server or
      // database configured otherwise must not change what clients receive. Done before the connection is used.
      onConnect: (client) => client.query('SET DateStyle = ISO'),
    });
    // An idle connection that breaks (database restart) is dropped and replaced on next use.
    pool.on('error', (err) => logger.warn('idle database connection failed', { error: err.message }));
    const adapter = new PrismaPg(pool as unknown as ConstructorParameters<typeof PrismaPg>[0], {
      disposeExternalPool: true,
    });
    holder.__synkronusPrisma = { url, client: new PrismaClient({ adapter }), pool };
  }
  return holder.__synkronusPrisma;
}

export function getDb(): PrismaClient {
  return connections().client;
}

export function getPool(): pg.Pool {
  return connections().pool;
}

export async function disconnectDb(): Promise<void> {
  const current = holder.__synkronusPrisma;
  holder.__synkronusPrisma = undefined;
  if (!current) return;
  // Prisma's adapter ends the pool (disposeExternalPool).
  await current.client.$disconnect();
  await connectionsClosed(current.pool);
}

/** Connections of the pool: open, idle, and requests waiting for one (zeros before the first query). */
export function poolUse(): { total: number; idle: number; waiting: number } {
  const pool = holder.__synkronusPrisma?.pool;
  return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
}
