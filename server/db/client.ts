import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '@/server/db/generated/client';
import { getConfig } from '@/server/config';
import { logger } from '@/server/logger';

export type Db = PrismaClient;

interface Connections {
  url: string;
  client: PrismaClient;
  /** Plain `pg` for the sync hot paths (one statement per push group or pull page, no ORM decoding). */
  pool: pg.Pool;
}

const holder = globalThis as unknown as { __synkronusPrisma?: Connections };

export function databaseUrl(): string {
  const url = getConfig().databaseUrl;
  if (!url) throw new Error('no database URL: the server entry point starts the embedded database first');
  return url;
}

/** One Prisma client and one `pg` pool per process (and per database URL, which tests change between files). */
function connections(): Connections {
  const url = databaseUrl();
  if (holder.__synkronusPrisma?.url !== url) {
    const previous = holder.__synkronusPrisma;
    void previous?.client.$disconnect();
    void previous?.pool.end();
    const adapter = new PrismaPg({ connectionString: url, max: 10, idleTimeoutMillis: 60_000 });
    const pool = new pg.Pool({ connectionString: url, max: 6, idleTimeoutMillis: 60_000 });
    // An idle connection that breaks (database restart) is dropped and replaced on next use.
    pool.on('error', (err) => logger.warn('idle database connection failed', { error: err.message }));
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
  await Promise.all([current?.client.$disconnect(), current?.pool.end()]);
}
