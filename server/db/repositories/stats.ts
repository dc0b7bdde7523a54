import { getDb, type Db } from '@/server/db/client';

export interface FormTypeCount {
  formType: string;
  count: number;
}

export interface TimelineBucket {
  bucketStart: string;
  label: string;
  count: number;
}

/** Counts over live observations, computed in SQL (no rows are loaded). */
export class StatsRepository {
  constructor(private readonly db: Db = getDb()) {}

  /** Live observations per form type, a blank form type counted under `blankLabel`. */
  countByFormType(blankLabel: string): Promise<FormTypeCount[]> {
    return this.db.$queryRaw<FormTypeCount[]>`
      SELECT "formType", count(*)::int AS count
        FROM (SELECT CASE WHEN btrim(form_type) = '' THEN ${blankLabel} ELSE form_type END AS "formType"
                FROM observations WHERE deleted = false) live
       GROUP BY "formType" ORDER BY lower("formType"), "formType"`;
  }

  /** The first and last UTC day a live observation was created on; nulls when there is none. */
  async createdRange(): Promise<{ first: Date | null; last: Date | null }> {
    const [range] = await this.db.$queryRaw<Array<{ first: Date | null; last: Date | null }>>`
      SELECT min((created_at AT TIME ZONE 'UTC')::date) AS first, max((created_at AT TIME ZONE 'UTC')::date) AS last
        FROM observations WHERE deleted = false`;
    return range;
  }

  /** Live observations per UTC day or Monday-start week, every bucket between the first and last present. */
  countByCreatedBucket(unit: 'day' | 'week'): Promise<TimelineBucket[]> {
    return this.db.$queryRaw<TimelineBucket[]>`
      WITH counts AS (
        SELECT date_trunc(${unit}, (created_at AT TIME ZONE 'UTC')::date)::date AS bucket, count(*)::int AS count
          FROM observations WHERE deleted = false GROUP BY 1),
      series AS (
        SELECT generate_series(min(bucket), max(bucket), ('1 ' || ${unit})::interval)::date AS bucket FROM counts)
      SELECT to_char(s.bucket, 'YYYY-MM-DD') AS "bucketStart", to_char(s.bucket, 'Mon FMDD') AS label,
             COALESCE(c.count, 0) AS count
        FROM series s LEFT JOIN counts c USING (bucket)
       ORDER BY s.bucket`;
  }
}
