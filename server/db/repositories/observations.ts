import { getDb, getPool, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';
import type { StorableRecord } from '@/server/domain/observations';

export type Tx = Prisma.TransactionClient;

export interface Counter {
  currentVersion: bigint;
  repositoryGeneration: bigint;
}

/** One push of a group (see sync_push_group in the migrations). */
export interface GroupedPush {
  client_id: string;
  transmission_id: string;
  sha256: string;
  /** Absent when the client sent none. */
  generation?: number;
  username: string;
  records: StorableRecord[];
  /** The answer's fields other than current_version and repository_generation. */
  response: object;
}

export type GroupedPushResult =
  { response: Record<string, unknown> } | { stale_generation: number } | { error: string };

/** A pull page: the counter read in the same snapshot and the page's records as wire JSON text. */
export interface PullPage {
  currentVersion: number;
  repositoryGeneration: number;
  /** The records as a JSON array, built by PostgreSQL in the wire format. */
  recordsJson: string;
  count: number;
  lastVersion: number | null;
  hasMore: boolean;
}

/** An observation as the database returns it, timestamps already RFC 3339 text in UTC. */
export interface ObservationRow {
  observation_id: string;
  form_type: string;
  form_version: string;
  data: unknown;
  created_at: string;
  updated_at: string;
  synced_at: string | null;
  deleted: boolean;
  version: bigint;
  geolocation: Record<string, unknown> | null;
  author: string | null;
  device_id: string | null;
  tags: string[] | null;
}

const RFC3339_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

/** The wire columns of a record, timestamps rendered in SQL so microseconds survive. */
export const RECORD_COLUMNS = Prisma.sql`
  observation_id, form_type, form_version, data,
  to_char(created_at AT TIME ZONE 'UTC', ${RFC3339_UTC}) AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', ${RFC3339_UTC}) AS updated_at,
  to_char(synced_at AT TIME ZONE 'UTC', ${RFC3339_UTC}) AS synced_at,
  deleted, version, geolocation, author, device_id, tags`;

/** A timestamp as Go's RFC3339Nano in UTC: microseconds, trailing zeros and a bare dot trimmed. */
const wireTime = (column: string) =>
  `rtrim(rtrim(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '0'), '.') || 'Z'`;

/** Stored JSON back to what was pushed: U+0000 is kept escaped in PostgreSQL (server/services/sync/nul-escape.ts). */
const pushedJson = (column: string) =>
  `replace(replace(${column}::text, U&'\\E000' || '0', '\\u0000'), U&'\\E000' || 'e', U&'\\E000')`;

/** One record in the wire format, as JSON text (see WireRecord for the fields and their omission rules). */
const WIRE_RECORD_SQL = `
  '{"observation_id":' || to_json(observation_id) ||
  ',"form_type":' || to_json(form_type) ||
  ',"form_version":' || to_json(form_version) ||
  ',"data":' || ${pushedJson('data')} ||
  ',"created_at":"' || ${wireTime('created_at')} ||
  '","updated_at":"' || ${wireTime('updated_at')} || '"' ||
  CASE WHEN synced_at IS NULL THEN '' ELSE ',"synced_at":"' || ${wireTime('synced_at')} || '"' END ||
  ',"deleted":' || CASE WHEN deleted THEN 'true' ELSE 'false' END ||
  ',"version":' || version ||
  CASE WHEN geolocation IS NULL THEN '' ELSE ',"geolocation":' || ${pushedJson('geolocation')} END ||
  CASE WHEN author IS NULL THEN '' ELSE ',"author":' || to_json(author) END ||
  CASE WHEN device_id IS NULL THEN '' ELSE ',"device_id":' || to_json(device_id) END ||
  CASE WHEN cardinality(tags) > 0 THEN ',"tags":' || to_json(tags) ELSE '' END || '}'`;

/** $1 the cursor, $2 the form types (null = all), $3 the page size. One row: the counter and the page. */
const PULL_PAGE_SQL = `
  SELECT c.current_version, c.repository_generation,
         string_agg(p.wire, ',' ORDER BY p.version, p.observation_id) FILTER (WHERE p.n <= $3) AS records,
         count(p.n) FILTER (WHERE p.n <= $3)::int AS count,
         max(p.version) FILTER (WHERE p.n <= $3) AS last_version,
         count(p.n) > $3 AS has_more
    FROM sync_version c
    LEFT JOIN LATERAL (
      SELECT version, observation_id, row_number() OVER (ORDER BY version, observation_id) AS n, ${WIRE_RECORD_SQL} AS wire
        FROM observations
       WHERE version > $1 AND ($2::text[] IS NULL OR form_type = ANY($2::text[]))
       ORDER BY version, observation_id
       LIMIT $3 + 1) p ON true
   WHERE c.id = 1
   GROUP BY c.current_version, c.repository_generation`;

/**
 * Sync's SQL. The change counter is the single row of sync_version; triggers stamp every observation write and
 * attachment operation with its next value; pushes take a whole group's versions at once (sync_push_group).
 * Writers lock that row first and hold it until they commit, so versions become visible in order.
 */
export class ObservationRepository {
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

  /**
   * A group of pushes in one statement, in a transaction committed by a separate message: a server that dies before
   * sending COMMIT leaves nothing behind (an autocommit statement would still commit after its client is gone).
   */
  async pushGroup(pushes: GroupedPush[]): Promise<GroupedPushResult[]> {
    const client = await getPool().connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ results: GroupedPushResult[] }>(
        'SELECT sync_push_group($1::jsonb) AS results',
        [JSON.stringify(pushes)],
      );
      await client.query('COMMIT');
      client.release();
      return rows[0].results;
    } catch (err) {
      // The connection's state is unknown (aborted transaction, broken socket): it is closed, not reused.
      client.release(err as Error);
      throw err;
    }
  }

  /**
   * The counter and the page after the cursor (oldest change first) in one statement, so one snapshot: every
   * version at or below the counter read is committed (see sync_push_group). The page is built as wire JSON by
   * PostgreSQL: absent optional fields are omitted, timestamps are RFC 3339 in UTC with the fraction trimmed
   * (as Go's RFC3339Nano), and the JSON columns pass through as stored.
   */
  async pullPage(since: number, formTypes: string[] | null, limit: number): Promise<PullPage> {
    const { rows } = await getPool().query<{
      current_version: string;
      repository_generation: string;
      records: string | null;
      count: number;
      last_version: string | null;
      has_more: boolean;
    }>(PULL_PAGE_SQL, [since, formTypes, limit]);
    const row = rows[0];
    return {
      currentVersion: Number(row.current_version),
      repositoryGeneration: Number(row.repository_generation),
      recordsJson: `[${row.records ?? ''}]`,
      count: row.count,
      lastVersion: row.last_version === null ? null : Number(row.last_version),
      hasMore: row.has_more,
    };
  }

  async pruneTransmissions(olderThan: Date): Promise<number> {
    return (await this.db.pushTransmission.deleteMany({ where: { createdAt: { lt: olderThan } } })).count;
  }

  async setWatermark(clientId: string, version: number | bigint): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO client_sync_state (client_id, last_pulled_version) VALUES (${clientId}, ${BigInt(version)})
      ON CONFLICT (client_id) DO UPDATE SET last_pulled_version = EXCLUDED.last_pulled_version, updated_at = now()`;
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

  // Console queries (one record, form types, the repository status).

  async findOne(observationId: string): Promise<ObservationRow | undefined> {
    const rows = await this.db.$queryRaw<ObservationRow[]>`
      SELECT ${RECORD_COLUMNS}
        FROM observations WHERE observation_id = ${observationId}`;
    return rows[0];
  }

  formTypes(): Promise<Array<{ formType: string; count: number }>> {
    return this.db.$queryRaw<Array<{ formType: string; count: number }>>`
      SELECT form_type AS "formType", count(*)::int AS count FROM observations GROUP BY form_type ORDER BY lower(form_type)`;
  }
}
