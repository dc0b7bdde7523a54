import type { QueryArrayConfig } from 'pg';
import { getPool } from '@/server/db/client';
import type { StorableRecord } from '@/server/domain/observations';

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

/**
 * A timestamp as Go's RFC3339Nano in UTC, as a JSON string: PostgreSQL's JSON form of a timestamp is ISO 8601 with
 * microseconds and the fraction's trailing zeros (and a bare dot) trimmed, whatever DateStyle says; `Z` is added.
 * It costs a third of `to_char` per row, which dominated the page's build.
 */
const wireTime = (column: string) => `rtrim(to_json(${column} AT TIME ZONE 'UTC')::text, '"') || 'Z"'`;

/** Stored JSON back to what was pushed: U+0000 is kept escaped in PostgreSQL (server/services/sync/nul-escape.ts). */
const pushedJson = (column: string) =>
  `replace(replace(${column}::text, U&'\\E000' || '0', '\\u0000'), U&'\\E000' || 'e', U&'\\E000')`;

/**
 * One record in the wire format, as JSON text (the Observation schema of server/wire/sync.ts; absent fields omitted:
 * `concat` skips a NULL argument, and `',"key":' || NULL` is NULL). One `concat`, so the text is built once instead
 * of copied at every `||`.
 */
const WIRE_RECORD_SQL = `concat(
  '{"observation_id":', to_json(observation_id),
  ',"form_type":', to_json(form_type),
  ',"form_version":', to_json(form_version),
  ',"data":', ${pushedJson('data')},
  ',"created_at":', ${wireTime('created_at')},
  ',"updated_at":', ${wireTime('updated_at')},
  ',"synced_at":' || ${wireTime('synced_at')},
  ',"deleted":', CASE WHEN deleted THEN 'true' ELSE 'false' END,
  ',"version":', version,
  ',"geolocation":' || ${pushedJson('geolocation')},
  ',"author":' || to_json(author)::text,
  ',"device_id":' || to_json(device_id)::text,
  CASE WHEN cardinality(tags) > 0 THEN ',"tags":' || to_json(tags)::text END,
  '}')`;

/**
 * $1 the cursor, $2 the form types (null = all), $3 the page size. The counter on every row, then up to $3 + 1
 * records (the extra one only says there is more), each as wire JSON text; one row of nulls when none is left.
 * Rows, not one aggregate: the aggregate's window and ordered string_agg cost more than the records' JSON itself.
 */
const PULL_PAGE_SQL = `
  SELECT c.current_version, c.repository_generation, p.version, p.wire
    FROM sync_version c
    LEFT JOIN LATERAL (
      SELECT version, observation_id, ${WIRE_RECORD_SQL} AS wire
        FROM observations
       WHERE version > $1 AND ($2::text[] IS NULL OR form_type = ANY($2::text[]))
       ORDER BY version, observation_id
       LIMIT $3 + 1) p ON true
   WHERE c.id = 1
   ORDER BY p.version, p.observation_id`;

/** Columns as PostgreSQL's text (bigints included): the records are passed on, never parsed. */
const AS_TEXT = { getTypeParser: () => (value: string) => value };

/**
 * Sync's hot paths, each one statement on a pooled `pg` connection: a group of pushes (sync_push_group, in the
 * migrations, takes the change counter's lock and the whole group's versions at once) and a pull page.
 */
export class SyncRepository {
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
    const query: QueryArrayConfig = {
      // Named: each connection parses it once and PostgreSQL may keep its plan (planning took a tenth of a page).
      name: 'sync-pull-page',
      text: PULL_PAGE_SQL,
      values: [since, formTypes, limit],
      rowMode: 'array',
      types: AS_TEXT,
    };
    const { rows } = await getPool().query<[string, string, string | null, string | null]>(query);
    const [currentVersion, repositoryGeneration] = rows[0];
    const records = rows[0][2] === null ? [] : rows.slice(0, limit);
    return {
      currentVersion: Number(currentVersion),
      repositoryGeneration: Number(repositoryGeneration),
      recordsJson: `[${records.map((row) => row[3]).join(',')}]`,
      count: records.length,
      lastVersion: records.length === 0 ? null : Number(records[records.length - 1][2]),
      hasMore: rows.length > limit,
    };
  }
}
