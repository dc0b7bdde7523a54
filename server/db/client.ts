import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/server/db/generated/client';
import { getConfig } from '@/server/config';

export type Db = PrismaClient;

const holder = globalThis as unknown as { __synkronusPrisma?: { url: string; client: PrismaClient } };

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
    const adapter = new PrismaPg({ connectionString: url, max: 10, idleTimeoutMillis: 60_000 });
    holder.__synkronusPrisma = { url, client: new PrismaClient({ adapter }) };
  }
  return holder.__synkronusPrisma.client;
}

export async function disconnectDb(): Promise<void> {
  const current = holder.__synkronusPrisma;
  holder.__synkronusPrisma = undefined;
  await current?.client.$disconnect();
}
