import { StatsRepository } from '@/server/db/repositories/stats';

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
  constructor(private readonly stats = new StatsRepository()) {}

  async observations(): Promise<ObservationStats> {
    const byFormType = await this.stats.countByFormType(NO_FORM_TYPE);
    return {
      totalCount: byFormType.reduce((sum, row) => sum + row.count, 0),
      byFormType,
      timeline: await this.timeline(),
      computedAt: new Date().toISOString(),
    };
  }

  private async timeline(): Promise<ObservationStats['timeline']> {
    const range = await this.stats.createdRange();
    if (!range.first || !range.last) return { bucketUnit: 'day', rangeStart: '', rangeEnd: '', buckets: [] };
    const spanDays = (range.last.getTime() - range.first.getTime()) / 86_400_000;
    const unit = spanDays >= WEEKLY_FROM_DAYS ? 'week' : 'day';
    const buckets = await this.stats.countByCreatedBucket(unit);
    return {
      bucketUnit: unit,
      rangeStart: buckets[0].bucketStart,
      rangeEnd: buckets[buckets.length - 1].bucketStart,
      buckets,
    };
  }
}
