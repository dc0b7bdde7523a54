import { getDb, type Db } from '@/server/db/client';

export interface ObservationStats {
  totalCount: number;
  byFormType: Array<{ formType: string; count: number }>;
  timeline: {
    bucketUnit: 'day' | 'week';
    rangeStart: string;
    rangeEnd: string;
    buckets: Array<{ bucketStart: string; label: string; count: number }>;
  };
  computedAt: string;
}

const NO_FORM_TYPE = '(no form type)';
/** A span of a year or more is shown in Monday-start weeks, shorter spans in days (api-contract §7.3). */
const WEEKLY_FROM_DAYS = 365;

/** Live-observation statistics for the console and the portal, computed in SQL (no rows are loaded). */
export class StatsService {
  constructor(private readonly db: Db = getDb()) {}

  async observations(): Promise<ObservationStats> {
    const byFormType = await this.db.$queryRaw<Array<{ formType: string; count: number }>>`
      SELECT "formType", count(*)::int AS count
        FROM (SELECT CASE WHEN btrim(form_type) = '' THEN ${NO_FORM_TYPE} ELSE form_type END AS "formType"
                FROM observations WHERE deleted = false) live
       GROUP BY "formType" ORDER BY lower("formType"), "formType"`;
    return {
      totalCount: byFormType.reduce((sum, row) => sum + row.count, 0),
      byFormType,
      timeline: await this.timeline(),
      computedAt: new Date().toISOString(),
    };
  }

  private async timeline(): Promise<ObservationStats['timeline']> {
    const [range] = await this.db.$queryRaw<Array<{ first: Date | null; last: Date | null }>>`
      SELECT min((created_at AT TIME ZONE 'UTC')::date) AS first, max((created_at AT TIME ZONE 'UTC')::date) AS last
        FROM observations WHERE deleted = false`;
    if (!range.first || !range.last) return { bucketUnit: 'day', rangeStart: '', rangeEnd: '', buckets: [] };
    const spanDays = (range.last.getTime() - range.first.getTime()) / 86_400_000;
    const unit = spanDays >= WEEKLY_FROM_DAYS ? 'week' : 'day';
    const buckets = await this.db.$queryRaw<Array<{ bucketStart: string; label: string; count: number }>>`
      WITH counts AS (
        SELECT date_trunc(${unit}, (created_at AT TIME ZONE 'UTC')::date)::date AS bucket, count(*)::int AS count
          FROM observations WHERE deleted = false GROUP BY 1),
      series AS (
        SELECT generate_series(min(bucket), max(bucket), ('1 ' || ${unit})::interval)::date AS bucket FROM counts)
      SELECT to_char(s.bucket, 'YYYY-MM-DD') AS "bucketStart", to_char(s.bucket, 'Mon FMDD') AS label,
             COALESCE(c.count, 0) AS count
        FROM series s LEFT JOIN counts c USING (bucket)
       ORDER BY s.bucket`;
    return {
      bucketUnit: unit,
      rangeStart: buckets[0].bucketStart,
      rangeEnd: buckets[buckets.length - 1].bucketStart,
      buckets,
    };
  }
}
