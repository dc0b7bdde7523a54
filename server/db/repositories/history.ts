import { getDb, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';
import { RepositoryStateRepository } from '@/server/db/repositories/repository-state';

/**
 * Observation history and conflicts. Both tables are filled by triggers on observations (see the migration
 * observation_history_conflicts_audit), in the writing transaction; this repository reads them and writes the
 * versions an admin chooses back through the observations table, so they get a version like any write.
 */

const RFC3339_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

/** One version of an observation: a replaced one from history, or the current row. */
export interface VersionRow {
  observation_id: string;
  version: bigint;
  form_type: string;
  form_version: string;
  data: unknown;
  deleted: boolean;
  geolocation: Record<string, unknown> | null;
  tags: string[] | null;
  written_at: string;
  written_by: string | null;
  written_client_id: string | null;
  written_transmission_id: string | null;
}

export interface ConflictRow {
  id: string;
  seq: bigint;
  observation_id: string;
  detected_at: Date;
  winner_version: bigint;
  winner_username: string | null;
  winner_client_id: string | null;
  loser_version: bigint;
  loser_username: string | null;
  loser_client_id: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: 'winner' | 'loser' | null;
  resolved_version: bigint | null;
}

/** The content a new version is written with, and who writes it. */
export interface VersionContent {
  form_type: string;
  form_version: string;
  data: unknown;
  deleted: boolean;
  geolocation: Record<string, unknown> | null;
  tags: string[] | null;
}

export interface ServerWriter {
  username: string;
  clientId: string;
}

const VERSION_COLUMNS = (table: string) =>
  Prisma.raw(`
  observation_id, version, form_type, form_version, data, deleted, geolocation, tags,
  to_char(${table} AT TIME ZONE 'UTC', '${RFC3339_UTC}') AS written_at,
  written_by, written_client_id, written_transmission_id`);

export type Tx = Prisma.TransactionClient;

export class HistoryRepository {
  constructor(private readonly db: Db = getDb()) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn, { timeout: 30_000, maxWait: 10_000 });
  }

  /** Every version, newest first: the current row followed by the replaced ones. */
  async versions(observationId: string, db: Db | Tx = this.db): Promise<VersionRow[]> {
    return db.$queryRaw<VersionRow[]>`
      SELECT * FROM (
        SELECT ${VERSION_COLUMNS('updated_at')} FROM observations WHERE observation_id = ${observationId}
        UNION ALL
        SELECT ${VERSION_COLUMNS('written_at')} FROM observation_history WHERE observation_id = ${observationId}
      ) v
      ORDER BY version DESC`;
  }

  async version(tx: Tx, observationId: string, version: bigint): Promise<VersionRow | undefined> {
    const rows = await tx.$queryRaw<VersionRow[]>`
      SELECT * FROM (
        SELECT ${VERSION_COLUMNS('updated_at')} FROM observations WHERE observation_id = ${observationId} AND version = ${version}
        UNION ALL
        SELECT ${VERSION_COLUMNS('written_at')} FROM observation_history
         WHERE observation_id = ${observationId} AND version = ${version}
      ) v
      LIMIT 1`;
    return rows[0];
  }

  /**
   * Writes `content` as the observation's next version (the version trigger numbers it; the history trigger keeps
   * the one it replaces). The counter row is locked first, as every writer does, so this cannot deadlock with a
   * push holding the counter while it waits for this observation.
   */
  async writeVersion(
    tx: Tx,
    observationId: string,
    content: VersionContent,
    writer: ServerWriter,
  ): Promise<bigint | undefined> {
    await new RepositoryStateRepository(this.db).lockCounter(tx);
    const rows = await tx.$queryRaw<Array<{ version: bigint }>>`
      UPDATE observations
         SET form_type = ${content.form_type}, form_version = ${content.form_version},
             data = ${JSON.stringify(content.data)}::jsonb, deleted = ${content.deleted},
             geolocation = ${content.geolocation === null ? null : JSON.stringify(content.geolocation)}::jsonb,
             tags = ${content.tags}::text[],
             written_by = ${writer.username}, written_client_id = ${writer.clientId}, written_transmission_id = NULL
       WHERE observation_id = ${observationId}
      RETURNING version`;
    return rows[0]?.version;
  }

  async listConflicts(filter: { resolved: boolean; beforeSeq?: bigint; limit: number }): Promise<ConflictRow[]> {
    return this.db.$queryRaw<ConflictRow[]>`
      SELECT * FROM observation_conflicts
       WHERE (resolved_at IS NOT NULL) = ${filter.resolved}
         AND (${filter.beforeSeq ?? null}::bigint IS NULL OR seq < ${filter.beforeSeq ?? null}::bigint)
       ORDER BY seq DESC
       LIMIT ${filter.limit}`;
  }

  async countOpenConflicts(): Promise<number> {
    const [row] = await this.db.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM observation_conflicts WHERE resolved_at IS NULL`;
    return row.count;
  }

  async findConflict(id: string, db: Db | Tx = this.db, lock = false): Promise<ConflictRow | undefined> {
    const rows = lock
      ? await db.$queryRaw<ConflictRow[]>`SELECT * FROM observation_conflicts WHERE id = ${id}::uuid FOR UPDATE`
      : await db.$queryRaw<ConflictRow[]>`SELECT * FROM observation_conflicts WHERE id = ${id}::uuid`;
    return rows[0];
  }

  async markResolved(
    tx: Tx,
    id: string,
    resolution: { keep: 'winner' | 'loser'; by: string; version: bigint | null },
  ): Promise<ConflictRow> {
    const [row] = await tx.$queryRaw<ConflictRow[]>`
      UPDATE observation_conflicts
         SET resolved_at = now(), resolved_by = ${resolution.by}, resolution = ${resolution.keep},
             resolved_version = ${resolution.version}
       WHERE id = ${id}::uuid
      RETURNING *`;
    return row;
  }

  /**
   * Drops versions replaced before `cutoff`, except the sides of open conflicts, and resolved conflicts older
   * than that. Returns the number of versions dropped.
   */
  async prune(cutoff: Date): Promise<number> {
    const [row] = await this.db.$queryRaw<Array<{ versions: number }>>`
      WITH conflicts AS (
        DELETE FROM observation_conflicts WHERE resolved_at < ${cutoff}),
      versions AS (
        DELETE FROM observation_history h
         WHERE h.replaced_at < ${cutoff}
           AND NOT EXISTS (
             SELECT 1 FROM observation_conflicts c
              WHERE c.resolved_at IS NULL AND c.observation_id = h.observation_id
                AND h.version IN (c.winner_version, c.loser_version))
        RETURNING 1)
      SELECT count(*)::int AS versions FROM versions`;
    return row.versions;
  }
}
