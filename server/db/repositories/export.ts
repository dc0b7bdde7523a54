import { to as copyTo } from 'pg-copy-streams';
import { getDb, getPool, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';
import { RECORD_COLUMNS, type ObservationRow } from '@/server/db/repositories/observations';

/** A timestamp as Go's RFC3339Nano in UTC (see the sync pull). */
const wireTime = (column: string) =>
  `rtrim(rtrim(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '0'), '.') || 'Z'`;

/**
 * The Parquet base columns as PostgreSQL produces them, in file order: text for the text columns (timestamps
 * already in the wire format), the version as text (for BigInt), geolocation as JSON; then the whole `data` once
 * (the caller picks the data keys' values from it: one jsonb output per row costs PostgreSQL far less than one
 * `data -> key` per key), then the keyset cursor.
 */
const PARQUET_SELECT = [
  'observation_id',
  'form_type',
  'form_version',
  wireTime('created_at'),
  wireTime('updated_at'),
  `CASE WHEN synced_at IS NOT NULL THEN ${wireTime('synced_at')} END`,
  'deleted',
  'version::text',
  'geolocation',
  'author',
  'device_id',
  'CASE WHEN tags IS NOT NULL THEN to_json(tags)::text END',
  'data',
  'created_at::text',
  'observation_id',
].join(', ');

/**
 * One jsonb value from a line of COPY's text format. jsonb output escapes every control character, so the only
 * COPY escape in it is the doubled backslash.
 */
const copyTextToJson = (line: string): unknown =>
  JSON.parse(line.includes('\\') ? line.replaceAll('\\\\', '\\') : line);

export interface ExportCursor {
  createdAt: string;
  observationId: string;
}

/** Reads for the exports: live (non-deleted) observations, in keyset pages so memory stays flat. */
export class ExportRepository {
  constructor(private readonly db: Db = getDb()) {}

  async liveFormTypes(): Promise<string[]> {
    const rows = await this.db.$queryRaw<Array<{ form_type: string }>>`
      SELECT DISTINCT form_type FROM observations WHERE deleted = false ORDER BY form_type`;
    return rows.map((row) => row.form_type);
  }

  /**
   * The `data` of every live row of one form type, in no order, a batch per chunk of a `COPY … TO STDOUT`: the
   * rows come at the database's own speed (no per-row work there), parsed here. Stopping early (by the caller or by
   * `stop`) drops the connection, which is mid-COPY.
   */
  async *liveData(formType: string, stop?: AbortSignal): AsyncGenerator<unknown[]> {
    const client = await getPool().connect();
    let finished = false;
    try {
      const copy = client.query(
        copyTo(
          `COPY (SELECT data FROM observations WHERE deleted = false AND form_type = ${client.escapeLiteral(formType)}) TO STDOUT`,
        ),
      );
      let rest: Buffer = Buffer.alloc(0);
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        if (stop?.aborted) return;
        const buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
        // A row ends at a newline byte, which never occurs inside a UTF-8 character.
        const end = buffer.lastIndexOf(10);
        rest = buffer.subarray(end + 1);
        if (end >= 0) yield buffer.toString('utf8', 0, end).split('\n').map(copyTextToJson);
      }
      finished = true;
    } finally {
      client.release(finished ? undefined : new Error('the COPY was not read to its end'));
    }
  }

  /** Sorted by the database's collation, as `ORDER BY` sorts text. */
  async sorted(texts: string[]): Promise<string[]> {
    const rows = await this.db.$queryRaw<Array<{ text: string }>>`
      SELECT text FROM unnest(${texts}::text[]) AS text ORDER BY text`;
    return rows.map((row) => row.text);
  }

  async isLiveObservationId(observationId: string): Promise<boolean> {
    const rows = await this.db.$queryRaw<unknown[]>`
      SELECT 1 FROM observations WHERE observation_id = ${observationId} AND deleted = false`;
    return rows.length > 0;
  }

  /**
   * The next page of one form type for the Parquet export, as arrays of column values (see PARQUET_SELECT); the
   * last two values of a row are its keyset cursor. Plain `pg`, no per-value decoding beyond the driver's.
   */
  async parquetPage(formType: string, after: ExportCursor | undefined, limit: number): Promise<unknown[][]> {
    const params: unknown[] = [formType];
    let keyset = 'TRUE';
    if (after) {
      params.push(after.createdAt, after.observationId);
      keyset = '(created_at, observation_id) > ($2::timestamptz, $3)';
    }
    params.push(limit);
    const { rows } = await getPool().query<unknown[]>({
      text: `SELECT ${PARQUET_SELECT} FROM observations
              WHERE deleted = false AND form_type = $1 AND ${keyset}
              ORDER BY observations.created_at, observations.observation_id
              LIMIT $${params.length}`,
      values: params,
      rowMode: 'array',
    });
    return rows;
  }

  /** The next page of one form type (or of every form type), ordered by created_at then id. */
  page(formType: string | undefined, after: ExportCursor | undefined, limit: number): Promise<ObservationRow[]> {
    const typeFilter = formType === undefined ? Prisma.sql`TRUE` : Prisma.sql`form_type = ${formType}`;
    // Row comparison on the index columns, so each page is one range scan of an index, never a sort of the rest.
    // ORDER BY is qualified: a bare created_at would mean the text output column, which no index covers.
    const keyset = after
      ? Prisma.sql`(created_at, observation_id) > (${after.createdAt}::timestamptz, ${after.observationId})`
      : Prisma.sql`TRUE`;
    return this.db.$queryRaw<ObservationRow[]>`
      SELECT ${RECORD_COLUMNS} FROM observations
       WHERE deleted = false AND ${typeFilter} AND ${keyset}
       ORDER BY observations.created_at, observations.observation_id
       LIMIT ${limit}`;
  }
}
