import { getDb } from '@/server/db/client';

/** The repository generation alone: one primary-key read of the sync_version row. */
export async function readRepositoryGeneration(): Promise<bigint | undefined> {
  const row = await getDb().syncVersion.findUnique({ where: { id: 1 }, select: { repositoryGeneration: true } });
  return row?.repositoryGeneration;
}
