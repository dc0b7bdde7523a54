import { z } from 'zod';
import { authedProcedure, router } from '@/server/trpc';
import { StatsService } from '@/server/services/stats';

export const ZObservationStatsResponse = z.object({
  totalCount: z.number().int(),
  byFormType: z.array(z.object({ formType: z.string(), count: z.number().int() })),
  timeline: z.object({
    bucketUnit: z.enum(['day', 'week']),
    rangeStart: z.string(),
    rangeEnd: z.string(),
    buckets: z.array(z.object({ bucketStart: z.string(), label: z.string(), count: z.number().int() })),
  }),
  computedAt: z.string(),
});

export const exportsRouter = router({
  observationStats: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/stats/observations', tags: ['stats'], summary: 'Counts of live observations by form type and over time' } })
    .input(z.object({}))
    .output(ZObservationStatsResponse)
    .query(() => new StatsService().observations()),
});
