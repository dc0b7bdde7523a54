import type { QueryArrayConfig } from 'pg';
import { getPool } from '@/server/db/client';
import type { StorableRecord } from '@/server/domain/observations';
import { utcTimeTextSql } from '@/server/db/repositories/observations';

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

/**
 * A pulled record's columns as PostgreSQL's text, in the wire's field order (server/services/sync/wire-record.ts
 * builds the record's JSON from them): the JSON columns as stored (U+0000 still escaped), timestamps as UTC text
 * (see utcTimeTextSql), `deleted` as `t`/`f`, tags as a JSON array; null where the field is absent.
 */
export type PulledRow = [
  version: string,
  observationId: string,
  formType: string,
  formVersion: string,
  data: string,
  createdAt: string,
  updatedAt: string,
  syncedAt: string | null,
  deleted: 't' | 'f',
  geolocation: string | null,
  author: string | null,
  deviceId: string | null,
  tags: string | null,
];

/** A pull page: the counter read in the same snapshot and the page's records. */
export interface PullPage {
  currentVersion: number;
  repositoryGeneration: number;
  records: PulledRow[];
  lastVersion: number | null;
  hasMore: boolean;
}

/**
 * $1 the cursor, $2 the form types (null = all), $3 the page size. The counter on every row, then up to $3 + 1
 * records (the extra one only says there is more); one row of nulls when none is left. The record's JSON is put
 * together in Node: PostgreSQL's to_json of a text costs more per row than the whole of it there. Every write of a
 * record takes a version of its own (the per-row trigger, or sync_push_group's counter + ordinal), so the version
 * alone orders a page, read in order from its index (a tie-break column made PostgreSQL sort every page).
 */
const PULL_PAGE_SQL = `
  SELECT c.current_version, c.repository_generation, p.*
    FROM sync_version c
    LEFT JOIN LATERAL (
      SELECT version, observation_id, form_type, form_version, data,
             ${utcTimeTextSql('created_at')}, ${utcTimeTextSql('updated_at')}, ${utcTimeTextSql('synced_at')},
             deleted, geolocation, author, device_id, CASE WHEN cardinality(tags) > 0 THEN to_json(tags)::text END
        FROM observations
       WHERE version > $1 AND ($2::text[] IS NULL OR form_type = ANY($2::text[]))
       ORDER BY version
       LIMIT $3 + 1) p ON true
   WHERE c.id = 1
   ORDER BY p.version`;

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
   * version at or below the counter read is committed (see sync_push_group). The records stay PostgreSQL's text
   * (see PulledRow): nothing is parsed.
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
    const { rows } = await getPool().query<[string, string, ...PulledRow]>(query);
    const [currentVersion, repositoryGeneration] = rows[0];
    const records = rows[0][2] === null ? [] : rows.slice(0, limit).map((row) => row.slice(2) as PulledRow);
    return {
      currentVersion: Number(currentVersion),
      repositoryGeneration: Number(repositoryGeneration),
      records,
      lastVersion: records.length === 0 ? null : Number(records[records.length - 1][0]),
      hasMore: rows.length > limit,
    };
  }
}
