import { getDb, type Db } from '@/server/db/client';
import type { Prisma } from '@/server/db/generated/client';

export type Tx = Prisma.TransactionClient;

export interface Counter {
  currentVersion: bigint;
  repositoryGeneration: bigint;
}

/**
 * The repository's state: the change counter and the repository generation, the single row of sync_version.
 * Triggers stamp every observation write and attachment operation with the counter's next value; pushes take a
 * whole group's versions at once (sync_push_group). Writers lock that row first and hold it until they commit, so
 * versions become visible in order. The hard reset starts a new generation.
 */
export class RepositoryStateRepository {
  constructor(private readonly db: Db = getDb()) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn, { timeout: 120_000, maxWait: 30_000 });
  }

  /** Serialises writers: held until commit, so nobody else can take a version meanwhile. */
  async lockCounter(tx: Tx): Promise<Counter> {
    const [row] = await tx.$queryRaw<Array<{ current_version: bigint; repository_generation: bigint }>>`
      SELECT current_version, repository_generation FROM sync_version WHERE id = 1 FOR UPDATE`;
    return { currentVersion: row.current_version, repositoryGeneration: row.repository_generation };
  }

  async readCounter(): Promise<Counter & { lastResetAt: Date | null; lastResetBy: string | null }> {
    const [row] = await this.db.$queryRaw<
      Array<{
        current_version: bigint;
        repository_generation: bigint;
        last_reset_at: Date | null;
        last_reset_by: string | null;
      }>
    >`SELECT current_version, repository_generation, last_reset_at, last_reset_by FROM sync_version WHERE id = 1`;
    return {
      currentVersion: row.current_version,
      repositoryGeneration: row.repository_generation,
      lastResetAt: row.last_reset_at,
      lastResetBy: row.last_reset_by,
    };
  }

  /** The hard reset: every observation and attachment operation gone, the counter back to 1, a new generation. */
  async resetRepository(tx: Tx, username: string): Promise<bigint> {
    await tx.$executeRaw`DELETE FROM observations`;
    await tx.$executeRaw`DELETE FROM attachment_operations`;
    await tx.$executeRaw`DELETE FROM push_transmissions`;
    await tx.$executeRaw`DELETE FROM client_sync_state`;
    const [row] = await tx.$queryRaw<Array<{ repository_generation: bigint }>>`
      UPDATE sync_version
         SET current_version = 1, repository_generation = repository_generation + 1,
             last_reset_at = now(), last_reset_by = ${username}, updated_at = now()
       WHERE id = 1
      RETURNING repository_generation`;
    return row.repository_generation;
  }
}
