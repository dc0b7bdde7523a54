import { z } from 'zod';
import { adminProcedure, authedProcedure, router } from '@/server/trpc';
import { HistoryService } from '@/server/services/history';
import { record, requestOrigin } from '@/server/services/audit';
import { zPathParam } from '@/server/routers/schemas';
import * as wire from '@/server/wire/history';

const ZRestoreInput = z.object({ observation_id: zPathParam, version: z.number().int().positive() });

export const historyRouter = router({
  versions: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/observations/{observation_id}/history',
        operationId: wire.getObservationHistory.operationId,
      },
    })
    .input(z.object({ observation_id: zPathParam }))
    .output(wire.ObservationHistory)
    .query(({ input }) => new HistoryService().versions(input.observation_id)),

  restore: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/observations/{observation_id}/restore',
        operationId: wire.restoreObservationVersion.operationId,
      },
    })
    .input(ZRestoreInput)
    .output(wire.RestoreResponse)
    .mutation(async ({ input, ctx }) => {
      const restored = await new HistoryService().restore(input.observation_id, input.version, ctx.user.username);
      await record({
        ...requestOrigin(ctx),
        action: 'observation.restore',
        target: input.observation_id,
        details: { from_version: input.version, version: restored.version },
      });
      return restored;
    }),
});
