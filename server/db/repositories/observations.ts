import { getDb, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';
import type { StorableRecord } from '@/server/services/sync/records';

export type Tx = Prisma.TransactionClient;

export interface Counter {
  currentVersion: bigint;
  repositoryGeneration: bigint;
}

/** Who a push writes as: recorded on each row, so history and conflicts can attribute the version. */
export interface Writer {
  username: string;
  clientId: string;
  transmissionId: string;
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

/**
 * Sync's SQL. The change counter is the single row of sync_version; triggers stamp every observation write and
 * attachment operation with its next value. Writers lock that row first, so versions become visible in order.
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
      Array<{ current_version: bigint; repository_generation: bigint; last_reset_at: Date | null; last_reset_by: string | null }>
    >`SELECT current_version, repository_generation, last_reset_at, last_reset_by FROM sync_version WHERE id = 1`;
    return {
      currentVersion: row.current_version,
      repositoryGeneration: row.repository_generation,
      lastResetAt: row.last_reset_at,
      lastResetBy: row.last_reset_by,
    };
  }

  /**
   * One statement for the whole batch, applied in array order; created_at is kept on updates. Returns the last
   * version it took (the counter after the batch), or undefined for an empty batch.
   */
  async upsertBatch(tx: Tx, records: StorableRecord[], writer: Writer): Promise<bigint | undefined> {
    if (records.length === 0) return undefined;
    const [row] = await tx.$queryRaw<Array<{ last: bigint }>>`
      WITH written AS (
        INSERT INTO observations
          (observation_id, form_type, form_version, data, created_at, deleted, geolocation, author, device_id, tags,
           written_by, written_client_id, written_transmission_id)
        SELECT r.observation_id, r.form_type, r.form_version, r.data, COALESCE(r.created_at, now()), r.deleted,
               r.geolocation, r.author, r.device_id, r.tags, ${writer.username}, ${writer.clientId}, ${writer.transmissionId}
          FROM jsonb_array_elements(${JSON.stringify(records)}::jsonb) WITH ORDINALITY AS e(value, ord),
               jsonb_to_record(e.value) AS r(
                 observation_id text, form_type text, form_version text, data jsonb, created_at timestamptz,
                 deleted boolean, geolocation jsonb, author text, device_id text, tags text[])
         ORDER BY e.ord
        ON CONFLICT (observation_id) DO UPDATE SET
          form_type = EXCLUDED.form_type, form_version = EXCLUDED.form_version, data = EXCLUDED.data,
          deleted = EXCLUDED.deleted, geolocation = EXCLUDED.geolocation, author = EXCLUDED.author,
          device_id = EXCLUDED.device_id, tags = EXCLUDED.tags, written_by = EXCLUDED.written_by,
          written_client_id = EXCLUDED.written_client_id, written_transmission_id = EXCLUDED.written_transmission_id
        RETURNING version)
      SELECT max(version) AS last FROM written`;
    return row.last;
  }

  /**
   * The counter and the rows after the cursor (oldest change first) in one statement, so one snapshot: a version
   * at or below the counter read is committed, because writers hold the counter row until they commit.
   * `limit` is the page size plus one, to detect more.
   */
  async pullPage(since: number, formTypes: string[] | null, limit: number): Promise<{ counter: Counter; rows: ObservationRow[] }> {
    const rows = await this.db.$queryRaw<Array<ObservationRow & { current_version: bigint; repository_generation: bigint }>>`
      SELECT c.current_version, c.repository_generation, o.*
        FROM sync_version c
        LEFT JOIN LATERAL (
          SELECT ${RECORD_COLUMNS}
            FROM observations
           WHERE version > ${since} AND (${formTypes}::text[] IS NULL OR form_type = ANY(${formTypes}::text[]))
           ORDER BY version, observation_id
           LIMIT ${limit}) o ON true
       WHERE c.id = 1`;
    const counter = { currentVersion: rows[0].current_version, repositoryGeneration: rows[0].repository_generation };
    return { counter, rows: rows[0].observation_id === null ? [] : rows };
  }

  /** What a push needs to know before writing: an earlier answer to this transmission and the client's watermark. */
  async pushState(tx: Tx, clientId: string, transmissionId: string) {
    const [row] = await tx.$queryRaw<Array<{ request_sha256: string | null; response: unknown; watermark: bigint | null }>>`
      SELECT t.request_sha256, t.response, w.last_pulled_version AS watermark
        FROM (SELECT 1) one
        LEFT JOIN push_transmissions t ON t.client_id = ${clientId} AND t.transmission_id = ${transmissionId}
        LEFT JOIN client_sync_state w ON w.client_id = ${clientId}`;
    return { requestSha256: row.request_sha256, response: row.response, watermark: row.watermark ?? undefined };
  }

  /** Keeps the answer for replays and, when given, moves the client's watermark; one round trip. */
  async recordPush(
    tx: Tx,
    entry: { clientId: string; transmissionId: string; requestSha256: string; response: object; watermark?: bigint },
  ): Promise<void> {
    const { clientId, transmissionId, requestSha256, response, watermark } = entry;
    await tx.$executeRaw`
      WITH saved AS (
        INSERT INTO push_transmissions (client_id, transmission_id, request_sha256, response)
        VALUES (${clientId}, ${transmissionId}, ${requestSha256}, ${JSON.stringify(response)}::jsonb)
        ON CONFLICT (client_id, transmission_id) DO UPDATE
          SET request_sha256 = EXCLUDED.request_sha256, response = EXCLUDED.response, created_at = now())
      INSERT INTO client_sync_state (client_id, last_pulled_version)
      SELECT ${clientId}, ${watermark ?? null}::bigint WHERE ${watermark !== undefined}
      ON CONFLICT (client_id) DO UPDATE SET last_pulled_version = EXCLUDED.last_pulled_version, updated_at = now()`;
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

  // Console queries (server-side paging, not sync/pull).

  async list(filter: { formType?: string; search?: string; includeDeleted: boolean }, page: { skip: number; take: number }) {
    const where: Prisma.ObservationWhereInput = {
      ...(filter.formType !== undefined && { formType: filter.formType }),
      ...(filter.search && { observationId: { contains: filter.search, mode: 'insensitive' as const } }),
      ...(!filter.includeDeleted && { deleted: false }),
    };
    const [items, total] = await Promise.all([
      this.db.observation.findMany({
        where,
        orderBy: [{ updatedAt: 'desc' }, { observationId: 'asc' }],
        skip: page.skip,
        take: page.take,
        select: {
          observationId: true, formType: true, formVersion: true, createdAt: true, updatedAt: true,
          deleted: true, version: true, author: true, deviceId: true,
        },
      }),
      this.db.observation.count({ where }),
    ]);
    return { items, total };
  }

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
