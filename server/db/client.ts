import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '@/server/db/generated/client';
import { getConfig } from '@/server/config';

export type Db = PrismaClient;

const holder = globalThis as unknown as { __synkronusPrisma?: { url: string; client: PrismaClient; pool: pg.Pool } };

export function databaseUrl(): string {
  const url = getConfig().databaseUrl;
  if (!url) throw new Error('no database URL: the server entry point starts the embedded database first');
  return url;
}

/** One Prisma client per process (and per database URL, which tests change between files). */
export function getDb(): PrismaClient {
  const url = databaseUrl();
  if (holder.__synkronusPrisma?.url !== url) {
    void holder.__synkronusPrisma?.client.$disconnect();
    // The pool is ours (not the adapter's) so that metrics can report its use.
    const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 60_000 });
    const adapter = new PrismaPg(pool as unknown as ConstructorParameters<typeof PrismaPg>[0], { disposeExternalPool: true });
    holder.__synkronusPrisma = { url, client: new PrismaClient({ adapter }), pool };
  }
  return holder.__synkronusPrisma.client;
}

export async function disconnectDb(): Promise<void> {
  const current = holder.__synkronusPrisma;
  holder.__synkronusPrisma = undefined;
  await current?.client.$disconnect();
}

/** Connections of the pool: open, idle, and requests waiting for one (zeros before the first query). */
export function poolUse(): { total: number; idle: number; waiting: number } {
  const pool = holder.__synkronusPrisma?.pool;
  return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
}
