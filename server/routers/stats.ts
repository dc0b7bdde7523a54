import { z } from 'zod';
import { authedProcedure, router } from '@/server/trpc';
import { StatsService } from '@/server/services/stats';
import { getObservationStats, ObservationStatsResponse } from '@/server/wire/stats';

export const statsRouter = router({
  observations: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/stats/observations', operationId: getObservationStats.operationId } })
    .input(z.object({}))
    .output(ObservationStatsResponse)
    .query(() => new StatsService().observations()),
});
