import { z } from 'zod';
import { adminProcedure, authedProcedure, router } from '@/server/trpc';
import { HistoryService } from '@/server/services/history';
import { record, requestOrigin } from '@/server/services/audit';
import { zPathParam } from '@/server/routers/schemas';

export const ZObservationVersion = z
  .object({
    version: z.number().int(),
    data: z.unknown(),
    form_type: z.string(),
    form_version: z.string(),
    deleted: z.boolean(),
    geolocation: z.record(z.string(), z.unknown()).nullable(),
    tags: z.array(z.string()),
    written_at: z.string().describe('RFC 3339'),
    username: z.string().nullable().describe('Who wrote this version'),
    client_id: z.string().nullable(),
    transmission_id: z.string().nullable().describe('The push that wrote it, when known'),
  })
  .meta({ id: 'ObservationVersion' });

export const ZObservationHistory = z
  .object({ observation_id: z.string(), versions: z.array(ZObservationVersion).describe('Newest first, current version included') })
  .meta({ id: 'ObservationHistory' });

export const ZRestoreRequest = z.object({ observation_id: zPathParam, version: z.number().int().positive() }).meta({ id: 'RestoreRequest' });
export const ZRestoreResponse = z
  .object({ observation_id: z.string(), restored_version: z.number().int(), version: z.number().int().describe('The new version written') })
  .meta({ id: 'RestoreResponse' });

export const historyRouter = router({
  versions: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/observations/{observation_id}/history',
        tags: ['history'],
        operationId: 'getObservationHistory',
        summary: 'Every version of an observation, newest first',
      },
    })
    .input(z.object({ observation_id: zPathParam }))
    .output(ZObservationHistory)
    .query(({ input }) => new HistoryService().versions(input.observation_id)),

  restore: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/observations/{observation_id}/restore',
        tags: ['history'],
        operationId: 'restoreObservationVersion',
        summary: 'Write an earlier version as the newest one (every device pulls it)',
      },
    })
    .input(ZRestoreRequest)
    .output(ZRestoreResponse)
    .mutation(async ({ input, ctx }) => {
      const restored = await new HistoryService().restore(input.observation_id, input.version, ctx.user.username);
      await record({ ...requestOrigin(ctx), action: 'observation.restore', target: input.observation_id, details: { from_version: input.version, version: restored.version } });
      return restored;
    }),
});
