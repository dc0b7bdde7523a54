import { getDb, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';

/** An observation as the database returns it, timestamps already in the wire format (see wireTimeSql). */
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

/**
 * SQL for a timestamp column as Go's RFC3339Nano in UTC, as text: PostgreSQL's JSON form of a timestamp is ISO 8601
 * with microseconds and the fraction's trailing zeros (and a bare dot) trimmed, whatever DateStyle says; then `Z`.
 * It costs a third of `to_char` per row (the pull, the lookups and both exports render every timestamp with it).
 */
export const wireTimeSql = (column: string) => `btrim(to_json(${column} AT TIME ZONE 'UTC')::text, '"') || 'Z'`;

/**
 * SQL for a timestamp column as PostgreSQL's text of its UTC time (`2025-03-04 03:06:07.1`), for rows that Node
 * turns into JSON anyway: wireTimeFromUtcText then makes it what wireTimeSql renders, and PostgreSQL's share of a
 * pull page costs a sixth less. The text is DateStyle ISO's, which every pooled connection sets (server/db/client).
 */
export const utcTimeTextSql = (column: string) => `(${column} AT TIME ZONE 'UTC')::text`;

/** utcTimeTextSql's text as wireTimeSql renders it: the same text with `T` for its first space, then `Z`. */
export const wireTimeFromUtcText = (text: string) => `${text.replace(' ', 'T')}Z`;

/** The wire columns of a record, timestamps rendered in SQL as the pull renders them (microseconds survive). */
export const RECORD_COLUMNS = Prisma.raw(`
  observation_id, form_type, form_version, data,
  ${wireTimeSql('created_at')} AS created_at,
  ${wireTimeSql('updated_at')} AS updated_at,
  ${wireTimeSql('synced_at')} AS synced_at,
  deleted, version, geolocation, author, device_id, tags`);

/** Observations looked up one by one and counted by form type (the console). */
export class ObservationRepository {
  constructor(private readonly db: Db = getDb()) {}

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
