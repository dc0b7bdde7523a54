import { escapeLiteral } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { getDb, getPool, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';
import { RECORD_COLUMNS, wireTimeSql, type ObservationRow } from '@/server/db/repositories/observations';

/**
 * The Parquet base columns as PostgreSQL produces them, in file order, less `form_type` (the one asked for) and
 * `deleted` (false for every live row): text for the text columns (timestamps already in the wire format), the
 * version as text (for BigInt), geolocation and tags as JSON text; then the whole `data` once (the caller picks the
 * data keys' values from it: one jsonb output per row costs PostgreSQL far less than one `data -> key` per key).
 */
const PARQUET_SELECT = [
  'observation_id',
  'form_version',
  wireTimeSql('created_at'),
  wireTimeSql('updated_at'),
  wireTimeSql('synced_at'),
  'version',
  'geolocation',
  'author',
  'device_id',
  'to_json(tags)',
  'data',
].join(', ');

/** The characters COPY's text format writes as a backslash and a letter (COPY TO writes no octal or hex escapes). */
const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

const unescapeCopyField = (field: string): string => field.replace(/\\(.)/gs, (_, c: string) => COPY_ESCAPES[c] ?? c);

/**
 * Complete rows of COPY's text format (newline-separated, no final newline) as their fields: tab-separated,
 * backslash escapes undone, `\N` as null.
 */
export function parseCopyText(text: string): Array<Array<string | null>> {
  return text.split('\n').map((line) => {
    const fields: Array<string | null> = line.split('\t');
    // A backslash starts every escape and the null marker; most rows have none.
    if (line.includes('\\'))
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i]!;
        if (field === '\\N') fields[i] = null;
        else if (field.includes('\\')) fields[i] = unescapeCopyField(field);
      }
    return fields;
  });
}

/**
 * The rows of `COPY (query) TO STDOUT` as parseCopyText's fields, a batch per chunk the database sends: the rows
 * come at the database's own speed, and a reader that falls behind pauses the socket, so memory stays bounded.
 * `settings` (SET LOCAL statements) apply to this query only. Stopping early (by the caller or by `stop`) drops
 * the connection, which is mid-COPY.
 */
async function* copyRows(
  query: string,
  stop?: AbortSignal,
  settings = '',
): AsyncGenerator<Array<Array<string | null>>> {
  const client = await getPool().connect();
  // A connection lost between queries is reported as an event, then by the next query (COMMIT).
  const ignore = () => undefined;
  client.on('error', ignore);
  let finished = false;
  try {
    await client.query(`BEGIN READ ONLY; ${settings}`);
    const copy = client.query(copyTo(`COPY (${query}) TO STDOUT`));
    let rest: Buffer = Buffer.alloc(0);
    for await (const chunk of copy as AsyncIterable<Buffer>) {
      if (stop?.aborted) return;
      const buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      // A row ends at a newline byte, which never occurs inside a UTF-8 character.
      const end = buffer.lastIndexOf(10);
      rest = buffer.subarray(end + 1);
      if (end >= 0) yield parseCopyText(buffer.toString('utf8', 0, end));
    }
    await client.query('COMMIT');
    finished = true;
  } finally {
    client.off('error', ignore);
    client.release(finished ? undefined : new Error('the COPY was not read to its end'));
  }
}

export interface ExportCursor {
  createdAt: string;
  observationId: string;
}

/** Reads for the exports: live (non-deleted) observations, in keyset pages or streamed COPYs so memory stays flat. */
export class ExportRepository {
  constructor(private readonly db: Db = getDb()) {}

  /**
   * The form types with live rows, each with the bytes its `data` takes as stored: about its JSON text's length,
   * less where PostgreSQL compressed a large value.
   */
  async liveFormTypes(): Promise<Array<{ formType: string; dataBytes: number }>> {
    return this.db.$queryRaw<Array<{ formType: string; dataBytes: number }>>`
      SELECT form_type AS "formType", sum(pg_column_size(data))::float8 AS "dataBytes"
        FROM observations WHERE deleted = false GROUP BY form_type ORDER BY form_type`;
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
   * One form type's live rows for the Parquet export by created_at then id, as text fields (see PARQUET_SELECT),
   * a batch at a time (see copyRows).
   */
  parquetRows(formType: string, stop?: AbortSignal): AsyncGenerator<Array<Array<string | null>>> {
    return copyRows(
      `SELECT ${PARQUET_SELECT} FROM observations
        WHERE deleted = false AND form_type = ${escapeLiteral(formType)}
        ORDER BY observations.created_at, observations.observation_id`,
      stop,
      // The rows come in order from one range of idx_observations_export_keyset. With the default random page cost
      // the planner prefers the created_at index and a sort, which costs PostgreSQL a quarter more CPU (its
      // estimate takes the keyset index's heap reads, scattered among the other form types' rows, for disk seeks;
      // on a cached table or an SSD they cost about what sequential reads do).
      'SET LOCAL random_page_cost = 1.1',
    );
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
