import { getDb, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';
import { RECORD_COLUMNS, type ObservationRow } from '@/server/db/repositories/observations';

export type DataKeyType = 'DOUBLE' | 'BOOLEAN' | 'STRING';

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
