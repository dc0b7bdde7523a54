import { getDb, getPool, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';
import { RECORD_COLUMNS, type ObservationRow } from '@/server/db/repositories/observations';

export type DataKeyType = 'DOUBLE' | 'BOOLEAN' | 'STRING';

/** A timestamp as Go's RFC3339Nano in UTC (see the sync pull). */
const wireTime = (column: string) =>
  `rtrim(rtrim(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '0'), '.') || 'Z'`;

/**
 * The Parquet columns as PostgreSQL produces them, in file order: text for the text columns (timestamps already in
 * the wire format), the version as text (for BigInt), geolocation as JSON, then one value per data key — numbers
 * and booleans only when the stored value has that type, else null; STRING keys as the JSON value, which the caller
 * prints as text unless it is a string.
 */
function parquetSelect(keys: Array<{ key: string; type: DataKeyType }>): string {
  const dataColumns = keys.map(({ type }, i) => {
    const value = `data -> $${i + 2}::text`;
    if (type === 'DOUBLE') return `CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::float8 END`;
    if (type === 'BOOLEAN') return `CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value})::boolean END`;
    return value;
  });
  return [
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
    ...dataColumns,
    // The keyset cursor.
    'created_at::text',
    'observation_id',
  ].join(', ');
}

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

  /** Top-level data keys of a form type with the column type their values allow (JSON nulls do not count). */
  async dataKeyTypes(formType: string): Promise<Array<{ key: string; type: DataKeyType }>> {
    return this.db.$queryRaw<Array<{ key: string; type: DataKeyType }>>`
      SELECT key,
             CASE WHEN bool_and(kind = 'number') FILTER (WHERE kind <> 'null') THEN 'DOUBLE'
                  WHEN bool_and(kind = 'boolean') FILTER (WHERE kind <> 'null') THEN 'BOOLEAN'
                  ELSE 'STRING' END AS type
        FROM (SELECT e.key, jsonb_typeof(e.value) AS kind
                FROM observations o, jsonb_each(CASE WHEN jsonb_typeof(o.data) = 'object' THEN o.data ELSE '{}' END) e
               WHERE o.form_type = ${formType} AND o.deleted = false) k
       GROUP BY key
       ORDER BY key`;
  }

  async isLiveObservationId(observationId: string): Promise<boolean> {
    const rows = await this.db.$queryRaw<unknown[]>`
      SELECT 1 FROM observations WHERE observation_id = ${observationId} AND deleted = false`;
    return rows.length > 0;
  }

  /**
   * The next page of one form type for the Parquet export, as arrays of column values (see parquetSelect); the
   * last two values of a row are its keyset cursor. Plain `pg`, no per-value decoding beyond the driver's.
   */
  async parquetPage(
    formType: string,
    keys: Array<{ key: string; type: DataKeyType }>,
    after: ExportCursor | undefined,
    limit: number,
  ): Promise<unknown[][]> {
    const params: unknown[] = [formType, ...keys.map(({ key }) => key)];
    let keyset = 'TRUE';
    if (after) {
      params.push(after.createdAt, after.observationId);
      keyset = `(created_at, observation_id) > ($${params.length - 1}::timestamptz, $${params.length})`;
    }
    params.push(limit);
    const { rows } = await getPool().query<unknown[]>({
      text: `SELECT ${parquetSelect(keys)} FROM observations
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
